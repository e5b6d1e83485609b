import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, LOGGER } from '@mediaplane/service-kit';
import { NodeRegistry } from '@mediaplane/sessions';
import { RtcUnsupportedError, type RtcProducer, type RtcRouter } from '../engine/rtc-engine';
import { SfuMetrics } from '../metrics/sfu-metrics';
import type { SfuConfig } from '../sfu.config';
import { freeUdpPortPair } from './free-udp-port-pair';
import { IngestBridge } from './ingest-bridge';
import { pickIngest } from './ingest-locator';

/** What the bridge needs of a WHIP stream. */
export interface BridgedStream {
  streamId: string;
  sessionId: string;
  private: boolean;
  router: RtcRouter;
  producers: readonly RtcProducer[];
}

const LOOPBACK = '127.0.0.1';

/**
 * Starts the ingest bridge of WHIP streams (when SFU_INGEST_BRIDGE is on and
 * an ingest node is in the cluster view) and keeps its metrics. A stream
 * whose bridge cannot start still plays over WHEP: the failure is logged and
 * counted, never fatal to the publish.
 */
@Injectable()
export class IngestBridgeService {
  private running = 0;

  constructor(
    private readonly registry: NodeRegistry,
    private readonly metrics: SfuMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: SfuConfig,
  ) {}

  get enabled(): boolean {
    return this.config.SFU_INGEST_BRIDGE;
  }

  /** The bridge of `stream`, or undefined when it is off, no ingest is there, or the engine cannot send plain RTP. */
  async open(stream: BridgedStream, onPublishing: (pullUrl: string) => void): Promise<IngestBridge | undefined> {
    if (!this.enabled || stream.producers.length === 0) return undefined;
    const log = this.logger.child({ streamId: stream.streamId, sessionId: stream.sessionId, component: 'ingest-bridge' });
    const locate = async () => pickIngest(await this.registry.listApp('ingest'));
    if (!(await locate().catch(() => undefined))) {
      this.metrics.bridgeStarts.inc({ outcome: 'no_ingest' });
      log.info('no ready ingest node in the cluster view; the stream plays over WHEP only');
      return undefined;
    }
    let output;
    try {
      const targets = await Promise.all(stream.producers.map(async () => ({ ip: LOOPBACK, port: await freeUdpPortPair(LOOPBACK) })));
      output = await stream.router.sendPlainRtp(stream.producers, targets);
    } catch (error) {
      const unsupported = error instanceof RtcUnsupportedError;
      this.metrics.bridgeStarts.inc({ outcome: unsupported ? 'unsupported' : 'failed' });
      log.warn({ err: error }, unsupported ? 'this engine cannot bridge to ingest' : 'bridge not started');
      return undefined;
    }
    const bridge = await IngestBridge.start(
      {
        streamId: stream.streamId,
        private: stream.private,
        output,
        locate,
        playbackSecret: this.config.MEDIAPLANE_PLAYBACK_SECRET,
        ffmpegPath: this.config.SFU_FFMPEG_PATH,
        keyframeIntervalMs: this.config.SFU_INGEST_BRIDGE_KEYFRAME_INTERVAL_MS,
        videoKbps: this.config.SFU_INGEST_BRIDGE_VIDEO_KBPS,
        audioKbps: 128,
        log,
        onRestart: () => this.metrics.bridgeRestarts.inc(),
        onStop: () => this.metrics.ingestBridges.set(--this.running),
      },
      onPublishing,
    ).catch((error: unknown) => {
      output.close();
      throw error;
    });
    this.metrics.bridgeStarts.inc({ outcome: 'started' });
    this.metrics.ingestBridges.set(++this.running);
    return bridge;
  }
}
