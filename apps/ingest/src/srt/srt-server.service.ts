import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, HeartbeatService, LOGGER, ReadinessService, ShutdownService } from '@mediaplane/service-kit';
import { normalizeAddress, parseSrtStreamId } from '@mediaplane/sessions';
import type { IngestConfig } from '../ingest.config';
import { IngestMetrics } from '../observability/ingest-metrics';
import { SrtRejectCode, SrtServer, type SrtConnectDecision, type SrtConnectRequest, type SrtConnection } from '@mediaplane/srt';
import { SrtPlayHandler } from './srt-play.handler';
import { SrtPublishHandler } from './srt-publish.handler';


/**
 * The SRT listener: one UDP port for every SRT publisher and player of the
 * node, routed by the access-control streamid. The accept decision is made
 * in the handshake, before any media (libsrt's listen callback, bounded by
 * INGEST_SRT_DECISION_TIMEOUT_MS): an unparseable streamid is a bad request,
 * publishes and plays go to their handlers. Connections then come up here
 * and are handed to the handler that accepted them.
 */
@Injectable()
export class SrtServerService implements OnApplicationBootstrap, OnModuleDestroy {
  private server?: SrtServer;
  private accepting = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: IngestMetrics,
    private readonly publishHandler: SrtPublishHandler,
    private readonly playHandler: SrtPlayHandler,
    private readonly heartbeat: HeartbeatService,
    private readonly readiness: ReadinessService,
    private readonly shutdown: ShutdownService,
  ) {}

  /** The bound UDP port (differs from config when it was 0). */
  get port(): number | undefined {
    return this.server?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const host = this.config.INGEST_SRT_HOST ?? this.config.MEDIAPLANE_HTTP_HOST;
    this.server = await SrtServer.listen(
      {
        host,
        port: this.config.INGEST_SRT_PORT,
        latencyMs: this.config.INGEST_SRT_LATENCY_MS,
        decisionTimeoutMs: this.config.INGEST_SRT_DECISION_TIMEOUT_MS,
        maxConnections: this.config.INGEST_SRT_MAX_CONNECTIONS,
      },
      (request) => this.decide(request),
    );
    this.accepting = true;
    this.server.on('connection', (connection: SrtConnection) => this.onConnection(connection));
    this.server.on('decisionError', (error) => this.logger.error({ err: error }, 'srt accept decision failed; caller refused (1500)'));
    this.server.on('error', (error) => {
      // The listener's I/O thread failed and the server closes itself: this node no longer takes SRT.
      this.accepting = false;
      this.logger.error({ err: error }, 'srt listener failed');
    });
    this.heartbeat.setPort('srt', this.server.port);
    this.readiness.addCheck('srt-listener', () => this.accepting);
    this.shutdown.onDrain('srt-listener', async () => {
      // Publishers are ended by the publish drain; refuse newcomers and close the players.
      this.accepting = false;
      this.playHandler.closeAll();
    });
    this.logger.info({ protocol: 'srt', host, port: this.server.port }, 'listening');
  }

  async onModuleDestroy(): Promise<void> {
    this.accepting = false;
    const server = this.server;
    this.server = undefined;
    await server?.close();
  }

  /** The accept decision, inside libsrt's handshake: never throws, every refusal has a reject code. */
  async decide(request: SrtConnectRequest): Promise<SrtConnectDecision> {
    if (!this.accepting) return { accept: false, rejectCode: SrtRejectCode.UNAVAILABLE };
    const parsed = parseSrtStreamId(request.streamId);
    if (!parsed.ok) {
      this.metrics.protocolErrors.inc({ code: 'srt-bad-streamid' });
      this.logger.info({ remoteAddress: normalizeAddress(request.remoteAddress), reason: parsed.error }, 'srt connection rejected');
      return { accept: false, rejectCode: SrtRejectCode.BAD_REQUEST };
    }
    try {
      const { request: target } = parsed;
      if (target.mode === 'publish') return await this.publishHandler.decide(request, target.streamKey);
      return this.playHandler.decide(request, target.streamId, target.token);
    } catch (error) {
      this.logger.error({ err: error, remoteAddress: normalizeAddress(request.remoteAddress) }, 'srt accept decision failed');
      return { accept: false, rejectCode: SrtRejectCode.INTERNAL };
    }
  }

  private onConnection(connection: SrtConnection): void {
    const parsed = parseSrtStreamId(connection.streamId);
    if (!parsed.ok) {
      connection.close();
      return;
    }
    if (parsed.request.mode === 'publish') this.publishHandler.onConnection(connection);
    else this.playHandler.onConnection(connection);
  }
}
