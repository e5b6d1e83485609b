import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, INSTANCE_ID, LOGGER, LoadReporterService, ShutdownService } from '@mediaplane/service-kit';
import { LiveStreamStore, RELAY_PLAY_PROTOCOLS, RelayViewerStore, type LiveStreamState, type RelayViewerCounts } from '@mediaplane/sessions';
import type { IngestConfig } from '../ingest.config';
import { IngestMetrics } from '../observability/ingest-metrics';
import { streamHubOptions } from '../publish/stream-hub-options';
import { RelayPull } from './relay-pull';

/** A stream another node publishes, as found by `locate`. */
export interface RelayTarget {
  streamId: string;
  isPrivate: boolean;
  /** The live state, when no relay runs yet. */
  state?: LiveStreamState;
}

export type RelayLookup =
  | { kind: 'relay'; pull: RelayPull }
  /** Not live anywhere (or only in a stale entry naming this node). */
  | { kind: 'not_live' }
  /** Live elsewhere, but the origin did not deliver the stream in time. */
  | { kind: 'unavailable' };

/**
 * "Play from any node": the streams this node relays from the ingest node
 * that holds them, at most one pull per stream however many local viewers
 * it has (concurrent first viewers share the pull being opened). Reports
 * the relays' viewers to RelayViewerStore every INGEST_STATS_INTERVAL_MS
 * (the live-state entry is the origin session's alone), and closes every
 * relay on drain.
 */
@Injectable()
export class RelayPullsService implements OnModuleInit, OnModuleDestroy {
  private readonly pulls = new Map<string, RelayPull>();
  /** Streams whose relay closed since the last report: their share is withdrawn with a 0. */
  private readonly withdrawn = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly liveStore: LiveStreamStore,
    private readonly viewerStore: RelayViewerStore,
    private readonly metrics: IngestMetrics,
    private readonly shutdown: ShutdownService,
    private readonly load: LoadReporterService,
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.shutdown.onDrain('relay pulls', async () => {
      for (const pull of [...this.pulls.values()]) pull.close('shutdown');
      await this.report().catch(() => undefined);
    });
    this.load.addUnit('relayPulls', () => this.pulls.size);
    this.load.addUnit('relayViewers', () => this.viewerTotal());
    this.timer = setInterval(() => void this.report().catch((error: unknown) => this.logger.warn({ err: error }, 'relay viewers not reported')), this.config.INGEST_STATS_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    for (const pull of [...this.pulls.values()]) pull.close('shutdown');
  }

  get count(): number {
    return this.pulls.size;
  }

  /**
   * Where a stream that is not published on this node can be relayed from:
   * the running relay, or the live state naming its origin. Opens nothing,
   * so the caller checks the viewer's token (`isPrivate`) first and an
   * unauthorized request never makes this node pull.
   */
  async locate(streamId: string): Promise<RelayTarget | undefined> {
    const running = this.pulls.get(streamId);
    if (running && !running.isEnded) return { streamId, isPrivate: running.isPrivate };
    const state = await this.liveStore.get(streamId);
    if (!state || state.node === this.instanceId || !state.pullUrl) return undefined;
    return { streamId, isPrivate: state.private, state };
  }

  /**
   * The relay of a located stream: the running one, or a new pull from its
   * origin (concurrent first viewers share it). Resolves once the origin
   * delivers media, bounded by INGEST_RELAY_CONNECT_TIMEOUT_MS.
   */
  async attach(target: RelayTarget): Promise<RelayLookup> {
    let pull = this.pulls.get(target.streamId);
    if (!pull || pull.isEnded) {
      const state = target.state ?? (await this.liveStore.get(target.streamId));
      if (!state || state.node === this.instanceId || !state.pullUrl) return { kind: 'not_live' };
      // Another viewer may have opened it meanwhile.
      pull = this.pulls.get(target.streamId);
      if (!pull || pull.isEnded) pull = this.open(state);
    }
    pull.viewerJoining();
    const ready = await withTimeout(pull.ready, this.config.INGEST_RELAY_CONNECT_TIMEOUT_MS);
    if (ready === true && !pull.isEnded) {
      // Should the viewer never attach (it went away meanwhile), the pull still lingers out.
      const joined = pull;
      setTimeout(() => joined.checkIdle(), 1000).unref();
      return { kind: 'relay', pull };
    }
    pull.checkIdle();
    return ready === false ? { kind: 'not_live' } : { kind: 'unavailable' };
  }

  private open(state: LiveStreamState): RelayPull {
    const pull = new RelayPull(state, {
      streamId: state.streamId,
      node: this.instanceId,
      liveStore: this.liveStore,
      playbackSecret: this.config.MEDIAPLANE_PLAYBACK_SECRET,
      lingerMs: this.config.INGEST_RELAY_LINGER_MS,
      reconnectMs: this.config.INGEST_RELAY_RECONNECT_MS,
      idleTimeoutMs: this.config.INGEST_IDLE_TIMEOUT_MS,
      maxTagBytes: this.config.INGEST_GOP_CACHE_MAX_BYTES,
      logger: this.logger,
      metrics: this.metrics,
      hub: { ...streamHubOptions(this.config, this.metrics, this.logger, state.streamId), onViewerRemoved: () => this.updateGauges() },
      onClosed: (closed) => {
        if (this.pulls.get(closed.streamId) === closed) this.pulls.delete(closed.streamId);
        this.withdrawn.add(closed.streamId);
        this.updateGauges();
        void this.report().catch(() => undefined);
      },
    });
    this.pulls.set(state.streamId, pull);
    this.withdrawn.delete(state.streamId);
    this.logger.info({ streamId: state.streamId, origin: state.node }, 'relay pull opened');
    pull.start();
    this.updateGauges();
    return pull;
  }

  private counts(pull: RelayPull): RelayViewerCounts {
    const { viewers } = pull.hub.stats();
    const out: RelayViewerCounts = {};
    for (const protocol of RELAY_PLAY_PROTOCOLS) if (viewers[protocol]) out[protocol] = viewers[protocol];
    return out;
  }

  private viewerTotal(): number {
    let total = 0;
    for (const pull of this.pulls.values()) for (const n of Object.values(this.counts(pull))) total += n;
    return total;
  }

  private updateGauges(): void {
    this.metrics.relayPulls.set(this.pulls.size);
    const byProtocol: Record<string, number> = {};
    for (const pull of this.pulls.values()) for (const [p, n] of Object.entries(this.counts(pull))) byProtocol[p] = (byProtocol[p] ?? 0) + n;
    for (const protocol of RELAY_PLAY_PROTOCOLS) this.metrics.relayViewers.set({ protocol }, byProtocol[protocol] ?? 0);
  }

  private async report(): Promise<void> {
    this.updateGauges();
    const counts = new Map<string, RelayViewerCounts>();
    for (const streamId of this.withdrawn) counts.set(streamId, {});
    this.withdrawn.clear();
    for (const [streamId, pull] of this.pulls) counts.set(streamId, this.counts(pull));
    if (counts.size === 0) return;
    await this.viewerStore.report(this.instanceId, counts, this.config.INGEST_STATS_INTERVAL_MS * 3);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref();
    void promise.then((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}
