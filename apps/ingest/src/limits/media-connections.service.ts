import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@mediaplane/service-kit';
import type { IngestConfig } from '../ingest.config';
import { IngestMetrics } from '../observability/ingest-metrics';
import { ConnectionLimiter, HeldConnectionSlot, type ConnectionGrant, type HeldConnection } from '@mediaplane/sessions';

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
    return new ListenerSlot(grant, this, listener);
  }

  /** ListenerSlot's release: one connection on `listener` fewer. */
  closed(listener: MediaListener): void {
    this.open[listener] -= 1;
    this.metrics.connections.set({ listener }, this.open[listener]);
  }
}

/** A connection's place in the node's budget and in its listener's count. */
class ListenerSlot extends HeldConnectionSlot {
  constructor(
    private readonly slot: HeldConnection,
    private readonly service: MediaConnectionsService,
    private readonly listener: MediaListener,
  ) {
    super();
  }

  protected free(): void {
    this.slot.release();
    this.service.closed(this.listener);
  }
}
