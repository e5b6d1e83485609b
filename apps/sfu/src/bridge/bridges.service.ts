import { setTimeout as delay } from 'node:timers/promises';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, INSTANCE_ID, LOGGER, LoadReporterService, ShutdownService } from '@mediaplane/service-kit';
import { LiveStreamStore, WebrtcBridgeStore, type LiveStreamState, type WebrtcBridgeShare } from '@mediaplane/sessions';
import { RtcEngineHost } from '../engine/rtc-engine-host.service';
import { SfuMetrics } from '../metrics/sfu-metrics';
import type { SfuConfig } from '../sfu.config';
import type { BridgeMode } from './bridge-mode';
import { RtmpBridge } from './rtmp-bridge';

const MODES: readonly BridgeMode[] = ['passthrough', 'reencode'];
/** How often a viewer waiting for a stream's codecs looks at its live state again. */
const MEDIA_POLL_MS = 100;

/**
 * The RTMP/SRT → WebRTC bridges of this node, one per stream however many
 * viewers: finds a stream's live state (which says where its FLV can be
 * pulled), starts its bridge on the first WHEP viewer or joins the running
 * one, forgets it when it stops, stops them all on drain. Reports them to
 * WebrtcBridgeStore every SFU_STATS_INTERVAL_MS and whenever one starts or
 * stops (the stream's live-state entry is its publishing session's alone),
 * so the stream's state shows its bridges and their WHEP viewers.
 */
@Injectable()
export class BridgesService implements OnModuleInit, OnModuleDestroy {
  private readonly bridges = new Map<string, { bridge: RtmpBridge; opened: Promise<RtmpBridge> }>();
  /** Streams whose bridge stopped since the last report: this node's share is withdrawn. */
  private readonly withdrawn = new Set<string>();
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly store: LiveStreamStore,
    private readonly bridgeStore: WebrtcBridgeStore,
    private readonly engineHost: RtcEngineHost,
    private readonly metrics: SfuMetrics,
    private readonly shutdown: ShutdownService,
    private readonly load: LoadReporterService,
    @Inject(APP_CONFIG) private readonly config: SfuConfig,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.shutdown.onDrain('webrtc-bridges', async () => {
      await Promise.all([...this.bridges.values()].map(({ bridge }) => bridge.stop('shutdown')));
      await this.report();
    });
    // In the node's heartbeat (GET /api/v1/nodes): bridges cost an FFmpeg each, re-encoding ones a core's share.
    this.load.addUnit('bridges', () => this.bridges.size);
    this.load.addUnit('reencodingBridges', () => [...this.bridges.values()].filter(({ bridge }) => bridge.mode === 'reencode').length);
    this.load.addUnit('bridgeViewers', () => this.viewerCount());
    this.timers = [setInterval(() => this.updateGauges(), 1000), setInterval(() => void this.report(), this.config.SFU_STATS_INTERVAL_MS)];
    for (const timer of this.timers) timer.unref();
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  /** The stream's live state (any protocol, any node), undefined when it is not live. */
  liveState(streamId: string): Promise<LiveStreamState | undefined> {
    return this.store.get(streamId);
  }

  /**
   * The live state once it names the stream's codecs. A publisher holds the
   * stream from its first moment (an SRT one from the handshake), while its
   * codecs are written once the decoder configurations came; a bridge built
   * before that would have no tracks. Undefined when the stream ended
   * meanwhile; the last state without codecs when `waitMs` ran out.
   */
  async liveStateWithMedia(source: LiveStreamState, waitMs = this.config.SFU_BRIDGE_MEDIA_WAIT_MS): Promise<LiveStreamState | undefined> {
    const deadline = Date.now() + waitMs;
    let state: LiveStreamState | undefined = source;
    while (state && !state.media.video && !state.media.audio && Date.now() < deadline) {
      await delay(MEDIA_POLL_MS);
      state = await this.store.get(source.streamId);
    }
    return state;
  }

  /** The running bridge of the stream, or a new one (its producers ready, FFmpeg waiting for the first viewer). */
  async acquire(source: LiveStreamState): Promise<RtmpBridge> {
    const running = this.bridges.get(source.streamId);
    if (running && !running.bridge.isEnded) return running.opened;
    const bridge = new RtmpBridge(source.streamId, source, {
      engine: this.engineHost.engine,
      store: this.store,
      logger: this.logger.child({ component: 'webrtc-bridge' }),
      config: this.config,
      onReencodeStarted: () => this.metrics.bridgeReencodes.inc(),
      onKeyframeWait: (mode, seconds) => this.metrics.bridgeKeyframeWait.observe({ mode }, seconds),
      onCatchUpReplay: () => this.metrics.bridgeCatchUpReplays.inc(),
      onStopped: (stopped) => {
        if (this.bridges.get(stopped.streamId)?.bridge === stopped) {
          this.bridges.delete(stopped.streamId);
          this.withdrawn.add(stopped.streamId);
        }
        this.updateGauges();
        void this.report();
      },
    });
    const opened = bridge.open().then(
      () => bridge,
      async (error: unknown) => {
        await bridge.stop('failed');
        throw error;
      },
    );
    this.bridges.set(source.streamId, { bridge, opened });
    this.withdrawn.delete(source.streamId);
    this.updateGauges();
    void this.report();
    return opened;
  }

  get(streamId: string): RtmpBridge | undefined {
    const bridge = this.bridges.get(streamId)?.bridge;
    return bridge && !bridge.isEnded ? bridge : undefined;
  }

  viewerCount(): number {
    let n = 0;
    for (const { bridge } of this.bridges.values()) n += bridge.viewers.size;
    return n;
  }

  /** This node's bridges, and a withdrawal for each one that stopped since; a failed report is retried by the next. */
  private async report(): Promise<void> {
    const shares = new Map<string, WebrtcBridgeShare | undefined>();
    for (const streamId of this.withdrawn) shares.set(streamId, undefined);
    this.withdrawn.clear();
    for (const [streamId, { bridge }] of this.bridges) {
      if (!bridge.isEnded) shares.set(streamId, { mode: bridge.mode, viewers: bridge.viewers.size, startedAt: bridge.startedAt });
    }
    if (shares.size === 0) return;
    try {
      await this.bridgeStore.report(this.instanceId, shares, this.config.SFU_STATS_INTERVAL_MS * 3);
    } catch (error) {
      for (const [streamId, share] of shares) if (share === undefined && !this.bridges.has(streamId)) this.withdrawn.add(streamId);
      this.logger.warn({ err: error }, 'WebRTC bridges not reported');
    }
  }

  private updateGauges(): void {
    this.metrics.viewers.set({ kind: 'whep_bridge' }, this.viewerCount());
    for (const mode of MODES) this.metrics.bridges.set({ mode }, [...this.bridges.values()].filter(({ bridge }) => bridge.mode === mode).length);
  }
}
