import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Bus } from '@mediaplane/messaging';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, BUS, INSTANCE_ID, LOGGER, LoadReporterService, ShutdownService } from '@mediaplane/service-kit';
import { LiveStreamStore } from '@mediaplane/sessions';
import type { RtcPeer, RtcProducer, RtcRouter } from '../engine/rtc-engine';
import { RtcEngineHost } from '../engine/rtc-engine-host.service';
import { IngestBridgeService } from '../bridge/ingest-bridge.service';
import { SfuMetrics } from '../metrics/sfu-metrics';
import type { SfuConfig } from '../sfu.config';
import type { WhipGrant } from '../whip/whip-authorizer.service';
import { WebrtcStream, type StreamEndReason } from './webrtc-stream';

/**
 * The streams published over WHIP on this node, by stream id: starts them
 * (after the cluster-wide claim), finds them for WHEP, kicks them, ends them
 * all on drain, and reports publishers, viewers and engine objects.
 */
@Injectable()
export class WebrtcStreamsService implements OnModuleInit {
  private readonly streams = new Map<string, WebrtcStream>();
  private draining = false;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    private readonly store: LiveStreamStore,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: SfuConfig,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    private readonly engineHost: RtcEngineHost,
    private readonly metrics: SfuMetrics,
    private readonly shutdown: ShutdownService,
    private readonly load: LoadReporterService,
    private readonly bridges: IngestBridgeService,
  ) {}

  onModuleInit(): void {
    this.shutdown.onDrain('webrtc-streams', async () => {
      this.draining = true;
      await this.endAll('shutdown');
    });
    this.load.addUnit('streams', () => this.streams.size);
    this.load.addUnit('viewers', () => this.viewerCount());
    // Capacity, so the control plane can place rooms and streams: what is used and what this node takes.
    this.load.addUnit('peers', () => this.engineHost.engine.stats().peers);
    this.load.addUnit('peerCapacity', () => this.config.SFU_MAX_PEERS);
    this.load.addUnit('consumers', () => this.engineHost.engine.stats().consumers);
    this.load.addUnit('consumerCapacity', () => this.config.SFU_CONSUMER_CAPACITY);
    this.load.addUnit('bitrateInKbps', () => this.sumOverStreams((s) => s.bitrateKbps));
    // Forwarding copies each stream's bitrate to each of its viewers.
    this.load.addUnit('bitrateOutKbps', () => this.sumOverStreams((s) => s.bitrateKbps * s.viewers.size));
    const timer = setInterval(() => this.updateGauges(), 1000);
    timer.unref();
  }

  get isDraining(): boolean {
    return this.draining;
  }

  get(streamId: string): WebrtcStream | undefined {
    const stream = this.streams.get(streamId);
    return stream && !stream.isEnded ? stream : undefined;
  }

  /** True while a publish of this stream is live or being set up on this node. */
  has(streamId: string): boolean {
    return this.streams.has(streamId);
  }

  /**
   * Registers an answered publish and claims the stream cluster-wide;
   * undefined (and everything closed) when another publisher holds it.
   */
  async start(grant: WhipGrant, router: RtcRouter, publisher: RtcPeer, producers: readonly RtcProducer[]): Promise<WebrtcStream | undefined> {
    if (this.streams.has(grant.streamId)) return undefined;
    const stream = new WebrtcStream(grant, router, publisher, producers, {
      bus: this.bus,
      store: this.store,
      logger: this.logger,
      node: this.instanceId,
      statsIntervalMs: this.config.SFU_STATS_INTERVAL_MS,
      announceWaitMs: this.config.SFU_INGEST_BRIDGE_ANNOUNCE_WAIT_MS,
    });
    // Reserve locally before the Redis round trip so two publishes racing on this node cannot both claim.
    this.streams.set(grant.streamId, stream);
    let claimed = false;
    try {
      claimed = await stream.claim();
    } catch (error) {
      this.logger.error({ err: error, streamId: grant.streamId }, 'live state claim failed');
    }
    if (!claimed) {
      this.streams.delete(grant.streamId);
      return undefined;
    }
    publisher.once('closed', () => {
      void stream.end('publisher_closed').then(() => {
        if (this.streams.get(grant.streamId) === stream) this.streams.delete(grant.streamId);
        this.updateGauges();
      });
    });
    this.metrics.sessionsStarted.inc({ kind: 'whip' });
    const relay = await this.bridges
      .open({ streamId: grant.streamId, sessionId: stream.sessionId, private: grant.private, router, producers }, (pullUrl) => void stream.setPullUrl(pullUrl))
      .catch((error: unknown) => {
        this.logger.warn({ err: error, streamId: grant.streamId }, 'ingest bridge not started');
        return undefined;
      });
    if (relay && stream.isEnded) await relay.stop();
    else if (relay) stream.attachRelay(relay);
    await stream.begin();
    this.updateGauges();
    return stream;
  }

  /** Kick from the API (or delete / key rotation): ends the stream if this node holds it. */
  /** Ends the stream if this node holds it (and, when `sessionId` is given, only that publish session). */
  async kick(streamId: string, reason: StreamEndReason, sessionId?: string): Promise<boolean> {
    const stream = this.streams.get(streamId);
    if (!stream || (sessionId !== undefined && stream.sessionId !== sessionId)) return false;
    this.logger.info({ streamId, reason }, 'publisher kicked');
    await stream.end(reason);
    this.streams.delete(streamId);
    this.updateGauges();
    return true;
  }

  async endAll(reason: StreamEndReason): Promise<void> {
    await Promise.all([...this.streams.values()].map((s) => s.end(reason)));
    this.streams.clear();
  }

  private sumOverStreams(figure: (stream: WebrtcStream) => number): number {
    let total = 0;
    for (const stream of this.streams.values()) total += figure(stream);
    return total;
  }

  private viewerCount(): number {
    let n = 0;
    for (const stream of this.streams.values()) n += stream.viewers.size;
    return n;
  }

  private updateGauges(): void {
    this.metrics.publishers.set({ kind: 'whip' }, this.streams.size);
    this.metrics.viewers.set({ kind: 'whep' }, this.viewerCount());
    const engine = this.engineHost.engine;
    for (const [object, n] of Object.entries(engine.stats())) this.metrics.engineObjects.set({ engine: engine.name, object }, n);
  }
}
