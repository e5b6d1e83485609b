import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { mpegTsHubEncoderFor, nextViewerId } from '@mediaplane/media-io';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, LOGGER } from '@mediaplane/service-kit';
import { normalizeAddress } from '@mediaplane/sessions';
import type { IngestConfig } from '../ingest.config';
import { IngestMetrics } from '../observability/ingest-metrics';
import { PlaybackAccessService, type PlaybackAccess } from '../playback/playback-access.service';
import { SrtPlaySink } from '../playback/viewer-sinks';
import type { SrtConnectDecision, SrtConnectRequest, SrtConnection } from '@mediaplane/srt';
import { SrtPendingAccepts } from './srt-pending-accepts';
import { playRejectCode } from './srt-reject-codes';

type Granted = Extract<PlaybackAccess, { ok: true }>;

/**
 * SRT play (`m=request`): MPEG-TS of a stream live on this node. The access
 * check is the one HTTP-FLV and RTMP use (a private stream needs its token
 * in `s=`), made in the handshake so a refused player gets a reject code;
 * the granted access is kept for the connection (a pull ticket is used up
 * once). The viewer is a hub viewer like any other: frames are encoded to
 * TS once per stream and shared by its SRT viewers, it starts at the GOP
 * cache, and a viewer that falls behind is skipped forward or dropped by
 * the hub's rules, never slowing the publisher.
 */
@Injectable()
export class SrtPlayHandler implements OnModuleDestroy {
  private readonly pending: SrtPendingAccepts<Granted>;
  private readonly viewers = new Set<SrtConnection>();

  constructor(
    private readonly access: PlaybackAccessService,
    private readonly metrics: IngestMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
  ) {
    this.pending = new SrtPendingAccepts(config.INGEST_SRT_ACCEPT_TIMEOUT_MS, () => undefined);
  }

  onModuleDestroy(): void {
    this.pending.expireAll();
    this.closeAll();
  }

  decide(request: SrtConnectRequest, streamId: string, token: string | undefined): SrtConnectDecision {
    const access = this.access.check(streamId, token);
    if (!access.ok) {
      this.logger.debug({ streamId, status: access.status, remoteAddress: normalizeAddress(request.remoteAddress) }, `srt play refused: ${access.message}`);
      return { accept: false, rejectCode: playRejectCode(access) };
    }
    this.pending.add(SrtPendingAccepts.key(normalizeAddress(request.remoteAddress), request.remotePort, request.streamId), access);
    return { accept: true, latencyMs: this.config.INGEST_SRT_LATENCY_MS };
  }

  onConnection(connection: SrtConnection): void {
    const granted = this.pending.take(SrtPendingAccepts.key(normalizeAddress(connection.remoteAddress), connection.remotePort, connection.streamId));
    const session = granted?.session;
    if (!granted || !session || session.isEnded) {
      // The stream ended (or the accept expired) between the handshake and now.
      connection.close();
      return;
    }
    this.viewers.add(connection);
    const viewer = session.hub.addViewer({
      id: nextViewerId('srt'),
      protocol: 'srt',
      counted: granted.counted,
      encoder: mpegTsHubEncoderFor(session.hub),
      sink: new SrtPlaySink(connection, this.metrics, this.config.INGEST_VIEWER_QUEUE_BYTES),
    });
    connection.once('close', () => {
      this.viewers.delete(connection);
      session.hub.removeViewer(viewer.id);
    });
  }

  closeAll(): void {
    for (const connection of this.viewers) connection.close();
  }
}
