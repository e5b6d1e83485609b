import { performance } from 'node:perf_hooks';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, INSTANCE_ID, LOGGER, LoadReporterService } from '@mediaplane/service-kit';
import { HlsViewerStore } from '@mediaplane/sessions';
import type { EdgeConfig } from '../edge.config';
import { EdgeMetrics } from '../metrics/edge-metrics.service';
import { ViewerActivity } from './viewer-activity';
import { ViewerIdentity, type ViewerClue } from './viewer-identity';

/**
 * Counts this edge's HLS viewers per stream and shares the counts: in memory
 * on every request (no Redis on the hot path), to Redis every
 * `EDGE_VIEWER_REPORT_MS` (the control plane sums the edges), to
 * `mediaplane_edge_hls_viewers` and to the heartbeat's `viewers` unit.
 * On shutdown the edge withdraws its counts instead of letting them expire.
 */
@Injectable()
export class HlsViewerTracker implements OnModuleInit, OnModuleDestroy {
  private readonly activity: ViewerActivity;
  private readonly identity = new ViewerIdentity();
  /** Streams this edge last reported with viewers: the ones to withdraw on shutdown. */
  private reported = new Set<string>();
  private total = 0;
  private untrackedSeen = 0;
  private overCapSeen = 0;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly store: HlsViewerStore,
    @Inject(APP_CONFIG) private readonly config: EdgeConfig,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: EdgeMetrics,
    private readonly load: LoadReporterService,
  ) {
    this.activity = new ViewerActivity(this.config.EDGE_VIEWER_MAX_TRACKED, this.config.EDGE_VIEWER_MAX_PER_ADDRESS);
  }

  onModuleInit(): void {
    this.load.addUnit('viewers', () => this.total);
    this.timer = setInterval(() => void this.report(), this.config.EDGE_VIEWER_REPORT_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    if (this.reported.size === 0) return;
    await this.store.report(this.instanceId, new Map([...this.reported].map((id) => [id, 0])), this.ttlMs).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'could not withdraw HLS viewer counts; they expire by themselves');
    });
    this.reported.clear();
  }

  /** A viewer fetched a media playlist or segment (hot path: memory only). */
  seen(streamId: string, clue: ViewerClue): void {
    this.activity.touch(streamId, this.identity.idOf(clue), performance.now(), () => this.identity.groupOf(clue.address));
  }

  /** The stream's media playlists announce this target duration (seconds). */
  targetDuration(streamId: string, seconds: number): void {
    this.activity.setTargetDuration(streamId, seconds);
  }

  /** Counts now, to the gauge and Redis; one report at a time however slow Redis is. */
  report(): Promise<void> {
    this.running ??= this.publish().finally(() => (this.running = undefined));
    return this.running;
  }

  private get ttlMs(): number {
    return this.config.EDGE_VIEWER_REPORT_MS * 3;
  }

  private async publish(): Promise<void> {
    // A monotonic clock: last-seen order must not break when the wall clock steps.
    const counts = this.activity.counts(performance.now());
    let total = 0;
    const reported = new Set<string>();
    for (const [streamId, n] of counts) {
      total += n;
      if (n > 0) {
        reported.add(streamId);
        this.metrics.hlsViewers.set({ stream: streamId }, n);
      } else {
        this.metrics.hlsViewers.remove({ stream: streamId });
      }
    }
    this.total = total;
    this.metrics.viewersUntracked.inc(this.activity.untracked - this.untrackedSeen);
    this.untrackedSeen = this.activity.untracked;
    this.metrics.viewersOverAddressCap.inc(this.activity.overCap - this.overCapSeen);
    this.overCapSeen = this.activity.overCap;
    // A stream whose viewers left is in the counts once, with 0; if that report failed, it is withdrawn again now.
    for (const id of this.reported) if (!counts.has(id)) counts.set(id, 0);
    try {
      await this.store.report(this.instanceId, counts, this.ttlMs);
      this.reported = reported;
    } catch (error) {
      for (const id of reported) this.reported.add(id);
      this.logger.warn({ err: error }, 'could not report HLS viewer counts to Redis');
    }
  }
}
