import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@mediaplane/service-kit';
import type { IngestConfig } from '../ingest.config';
import { IngestMetrics } from '../observability/ingest-metrics';
import { ConnectionLimiter, releaseOnce, type ConnectionGrant } from '@mediaplane/sessions';

export type MediaListener = 'rtmp' | 'rtmps' | 'flv' | 'wsflv';

/** One budget of media connections for the node, shared by the RTMP, RTMPS, HTTP-FLV and WS-FLV listeners. */
@Injectable()
export class MediaConnectionsService {
  private readonly limiter: ConnectionLimiter;
  private readonly open: Record<MediaListener, number> = { rtmp: 0, rtmps: 0, flv: 0, wsflv: 0 };

  constructor(
    @Inject(APP_CONFIG) config: IngestConfig,
    private readonly metrics: IngestMetrics,
  ) {
    this.limiter = new ConnectionLimiter({ maxTotal: config.INGEST_MAX_CONNECTIONS, maxPerAddress: config.INGEST_MAX_CONNECTIONS_PER_ADDRESS });
  }

  get total(): number {
    return this.limiter.open;
  }

  acquire(listener: MediaListener, address: string | undefined): ConnectionGrant {
    const grant = this.limiter.acquire(address);
    if (!grant.ok) {
      this.metrics.connectionsRefused.inc({ reason: grant.reason });
      return grant;
    }
    this.open[listener] += 1;
    this.metrics.connections.set({ listener }, this.open[listener]);
    return {
      ok: true,
      release: releaseOnce(() => {
        grant.release();
        this.open[listener] -= 1;
        this.metrics.connections.set({ listener }, this.open[listener]);
      }),
    };
  }
}
