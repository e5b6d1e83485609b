import { BadGatewayException, GatewayTimeoutException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { NodeRegistry, signPlaybackToken, type LiveStreamState } from '@mediaplane/sessions';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, LOGGER } from '@mediaplane/service-kit';
import type { ControlPlaneConfig } from '../control-plane.config';

const MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024;
const INTERNAL_TOKEN_TTL_MS = 60_000;

export interface Snapshot {
  body: Buffer;
  contentType: string;
}

/**
 * Fetches a live stream's snapshot from the ingest node holding it
 * (`/internal/v1/streams/{id}/snapshot.jpg` with an internal-scope token),
 * so viewers and the dashboard only ever talk to the control plane.
 */
@Injectable()
export class SnapshotProxy {
  constructor(
    private readonly nodes: NodeRegistry,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  async fetch(live: LiveStreamState): Promise<Snapshot> {
    const origin = await this.originOf(live);
    if (!origin) throw new BadGatewayException(`ingest node ${live.node} holding the stream is not reachable`);
    const token = signPlaybackToken(this.config.MEDIAPLANE_PLAYBACK_SECRET, live.streamId, new Date(Date.now() + INTERNAL_TOKEN_TTL_MS), 'internal');
    let res: Response;
    try {
      res = await fetch(`${origin}/internal/v1/streams/${live.streamId}/snapshot.jpg`, {
        headers: { authorization: `Bearer ${token}` },
        redirect: 'error',
        signal: AbortSignal.timeout(this.config.CONTROL_PLANE_SNAPSHOT_TIMEOUT_MS),
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      this.logger.warn({ streamId: live.streamId, node: live.node, err: error }, 'snapshot fetch failed');
      if (timedOut) throw new GatewayTimeoutException('the ingest node did not answer in time');
      throw new BadGatewayException('the ingest node could not be reached');
    }
    if (res.status === 404) {
      await res.body?.cancel();
      throw new NotFoundException('no snapshot yet: the stream has not produced a keyframe');
    }
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (!res.ok || declared > MAX_SNAPSHOT_BYTES) {
      await res.body?.cancel();
      this.logger.warn({ streamId: live.streamId, node: live.node, status: res.status }, 'ingest refused the snapshot');
      throw new BadGatewayException(`the ingest node answered ${res.status}`);
    }
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length > MAX_SNAPSHOT_BYTES) throw new BadGatewayException('the snapshot is too large');
    return { body, contentType: res.headers.get('content-type') ?? 'image/jpeg' };
  }

  /** The node's HTTP origin: from its pull URL, else from its heartbeat in the cluster view. */
  private async originOf(live: LiveStreamState): Promise<string | undefined> {
    if (live.pullUrl) {
      try {
        return new URL(live.pullUrl).origin;
      } catch {
        // fall through to the cluster view
      }
    }
    const node = (await this.nodes.list()).find((n) => n.instanceId === live.node);
    const port = node?.ports['http'];
    return node && port ? `http://${node.host.includes(':') ? `[${node.host}]` : node.host}:${port}` : undefined;
  }
}
