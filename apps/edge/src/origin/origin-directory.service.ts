import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { HlsOriginSchema, type HlsOrigin } from '@mediaplane/contracts';
import { LiveStreamStore, transcodeKeys } from '@mediaplane/sessions';
import { APP_CONFIG, REDIS } from '@mediaplane/service-kit';
import type { EdgeConfig } from '../edge.config';

export interface StreamLocation {
  /** The worker producing the stream's HLS, as it registered itself. */
  origin?: HlsOrigin;
  /** Needs a playback token: the live state or the worker says so. */
  private: boolean;
  /** Ingest (or the SFU) holds a publisher for the stream: a missing HLS origin is a gap, not an unknown stream. */
  live: boolean;
}

/**
 * Finds which transcode worker serves a stream (the origin entry workers keep
 * in Redis) and whether the stream is private (its live state). Answers are
 * reused briefly so a flood of requests costs Redis little, and unknown
 * streams are remembered for a shorter moment so 404s stay cheap.
 */
@Injectable()
export class OriginDirectory {
  private readonly cache = new Map<string, { value: StreamLocation; until: number }>();
  private readonly keys: ReturnType<typeof transcodeKeys>;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: EdgeConfig,
    private readonly live: LiveStreamStore,
  ) {
    this.keys = transcodeKeys(config.MEDIAPLANE_NAMESPACE);
  }

  async locate(streamId: string): Promise<StreamLocation> {
    const now = Date.now();
    const hit = this.cache.get(streamId);
    if (hit && hit.until > now) return hit.value;
    const [raw, live] = await Promise.all([this.redis.get(this.keys.hlsOrigin(streamId)), this.live.get(streamId)]);
    const parsed = raw ? HlsOriginSchema.safeParse(safeJson(raw)) : undefined;
    const origin = parsed?.success ? parsed.data : undefined;
    const value: StreamLocation = { origin, private: (origin?.private ?? false) || (live?.private ?? false), live: live !== undefined };
    const ttl = origin ? this.config.EDGE_ORIGIN_LOOKUP_MS : Math.ceil(this.config.EDGE_ORIGIN_LOOKUP_MS / 2);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(streamId, { value, until: now + ttl });
    return value;
  }

  /** After an origin failed: look again at once, another worker may have taken the stream over. */
  forget(streamId: string): void {
    this.cache.delete(streamId);
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
