import { Inject, Injectable } from '@nestjs/common';
import type { HlsOrigin } from '@mediaplane/contracts';
import { signPlaybackToken } from '@mediaplane/sessions';
import { APP_CONFIG } from '@mediaplane/service-kit';
import type { EdgeConfig } from '../edge.config';

export interface OriginResponse {
  status: number;
  body: Buffer;
  contentType: string;
}

/** The origin could not be reached or answered with a server error. */
export class OriginUnavailableError extends Error {
  constructor(
    message: string,
    readonly timeout: boolean,
  ) {
    super(message);
    this.name = 'OriginUnavailableError';
  }
}

/**
 * HTTP to transcode origins with an internal-scope token for the stream (the
 * origin serves platform services, not viewers), a timeout, and a size bound.
 */
@Injectable()
export class OriginClient {
  private readonly tokens = new Map<string, { token: string; renewAt: number }>();

  constructor(@Inject(APP_CONFIG) private readonly config: EdgeConfig) {}

  /** `timeoutMs`: playlists are tiny and must come at once (a hung origin is given up quickly); segments take longer. */
  async fetch(origin: HlsOrigin, path: string, timeoutMs = this.config.EDGE_ORIGIN_TIMEOUT_MS): Promise<OriginResponse> {
    let res: Response;
    try {
      res = await fetch(`${origin.baseUrl}/${path}`, {
        headers: { authorization: `Bearer ${this.token(origin.streamId)}` },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      const timeout = (error as Error)?.name === 'TimeoutError';
      throw new OriginUnavailableError(`origin ${origin.worker} ${timeout ? 'timed out' : 'unreachable'}`, timeout);
    }
    if (res.status >= 500) {
      await res.body?.cancel().catch(() => undefined);
      throw new OriginUnavailableError(`origin ${origin.worker} answered ${res.status}`, false);
    }
    const length = Number(res.headers.get('content-length') ?? 0);
    if (length > this.config.EDGE_MAX_OBJECT_BYTES) {
      await res.body?.cancel().catch(() => undefined);
      throw new OriginUnavailableError(`object of ${length} bytes exceeds EDGE_MAX_OBJECT_BYTES`, false);
    }
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length > this.config.EDGE_MAX_OBJECT_BYTES) throw new OriginUnavailableError('object exceeds EDGE_MAX_OBJECT_BYTES', false);
    return { status: res.status, body, contentType: res.headers.get('content-type') ?? 'application/octet-stream' };
  }

  private token(streamId: string): string {
    const now = Date.now();
    const cached = this.tokens.get(streamId);
    if (cached && cached.renewAt > now) return cached.token;
    const token = signPlaybackToken(this.config.MEDIAPLANE_PLAYBACK_SECRET, streamId, new Date(now + 120_000), 'internal');
    if (this.tokens.size > 10_000) this.tokens.clear();
    this.tokens.set(streamId, { token, renewAt: now + 60_000 });
    return token;
  }
}
