import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { transcodeContracts } from '@mediaplane/contracts';
import { recordingExtension, type EncoderName, type LadderPlan, type SourceMedia } from '@mediaplane/media-plan';
import type { Bus } from '@mediaplane/messaging';
import type { Logger } from '@mediaplane/observability';
import type { LiveStreamStore } from '@mediaplane/sessions';
import { SegmentBook } from '../hls/segment-book';
import type { TranscodeMetrics } from '../metrics/transcode-metrics.service';
import { OriginAnnouncer } from '../origin/origin-announcer';
import type { TranscodeConfig } from '../transcode.config';
import { JobRecordings } from './job-recordings';
import type { JobLeaseStore } from './job-lease-store';
import type { JobSettings } from './job-settings';
import { LadderProcess } from './ladder-process';
import { isSessionLive, type LivePull } from './live-session';
import type { SequenceStore } from './sequence-store';

/**
 * How a job finished, which decides what happens to its JetStream message:
 * `ended` → ack (the stream is over); `released` → nak (hand it to another
 * worker now, e.g. on drain); `lost` → nothing (another worker holds it);
 * `failed` → nak with a delay.
 */
export type JobOutcome = 'ended' | 'released' | 'lost' | 'failed';

export interface TranscodeJobDeps {
  config: TranscodeConfig;
  instanceId: string;
  logger: Logger;
  bus: Bus;
  leases: JobLeaseStore;
  sequences: SequenceStore;
  liveStore: LiveStreamStore;
  metrics: TranscodeMetrics;
  encoder: EncoderName;
  /** `http://<advertised host>:<port>/origin/hls`, read when the origin entry is first written. */
  originBaseUrl: () => string;
}

export interface TranscodeJobInput {
  streamId: string;
  sessionId: string;
  /** Internal pull of the ingest node holding the stream (URL without token, FLV or MPEG-TS). */
  pull: LivePull;
  delivery: number;
  settings: JobSettings;
  source: SourceMedia;
  plan: LadderPlan;
  /** Per-instance work folder. */
  workDir: string;
}

type JobState = 'starting' | 'producing' | 'ending' | 'lingering' | 'closed';

/**
 * One stream on one worker, from claim to clean-up. The work is done by its
 * parts: the FFmpeg ladder (LadderProcess), segment bookkeeping and playlists
 * (SegmentBook), the lease and origin entry (OriginAnnouncer) and recordings
 * (JobRecordings); the job decides when each starts and stops. See
 * apps/transcode/README.md for the lifecycle.
 */
export class TranscodeJob {
  readonly epoch = randomBytes(3).toString('hex');
  readonly streamId: string;
  readonly sessionId: string;
  private readonly dir: string;
  private readonly log: Logger;
  private readonly book: SegmentBook;
  private readonly origin: OriginAnnouncer;
  private readonly recordings: JobRecordings;
  private readonly ladder: LadderProcess;
  private state: JobState = 'starting';
  private timer?: NodeJS.Timeout;
  private ticks = 0;
  private liveMisses = 0;
  private resolveOutcome!: (outcome: JobOutcome) => void;
  private resolveClosed!: () => void;
  /** Settles when the JetStream message can be acked/nakked. */
  readonly outcome: Promise<JobOutcome>;
  /** Settles when the job no longer serves anything (after the linger period). */
  readonly closed: Promise<void>;

  constructor(
    private readonly input: TranscodeJobInput,
    private readonly deps: TranscodeJobDeps,
  ) {
    const { config } = deps;
    this.streamId = input.streamId;
    this.sessionId = input.sessionId;
    this.dir = join(input.workDir, `${input.streamId}-${this.epoch}`);
    this.log = deps.logger.child({ streamId: input.streamId, sessionId: input.sessionId, epoch: this.epoch });
    this.outcome = new Promise((resolve) => (this.resolveOutcome = resolve));
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.book = new SegmentBook(
      {
        dir: this.dir,
        plan: input.plan,
        source: input.source,
        window: config.TRANSCODE_HLS_WINDOW,
        ffprobePath: config.TRANSCODE_FFPROBE_PATH,
        logger: this.log,
        onSegment: (rendition, nextMsn) => this.onSegment(rendition, nextMsn),
      },
      this.epoch,
    );
    this.origin = new OriginAnnouncer(
      {
        streamId: input.streamId,
        sessionId: input.sessionId,
        worker: deps.instanceId,
        delivery: input.delivery,
        private: input.settings.private,
        plan: input.plan,
        epoch: this.epoch,
        ttlMs: config.TRANSCODE_ORIGIN_TTL_MS,
        originBaseUrl: deps.originBaseUrl,
      },
      deps.leases,
      this.book,
      deps.bus,
      this.log,
    );
    this.recordings = new JobRecordings(
      {
        enabled: input.settings.record,
        root: config.TRANSCODE_RECORDINGS_DIR,
        streamId: input.streamId,
        epoch: this.epoch,
        origin: deps.instanceId,
        extension: recordingExtension(input.source),
      },
      deps.bus,
      this.log,
    );
    this.ladder = new LadderProcess(
      { streamId: input.streamId, pull: input.pull, plan: input.plan, source: input.source, encoder: deps.encoder, thumbnailFile: this.thumbnailFile() },
      config,
      this.book,
      this.recordings,
      deps.metrics,
      this.log,
      {
        producing: () => this.isProducing,
        stillLive: () => this.stillLive(),
        inputEnded: () => void this.end('input_ended'),
        gaveUp: () => void this.abandon('failed'),
        restarted: () => void deps.sequences.addDiscontinuity(this.streamId).catch(() => undefined),
      },
    );
  }

  get isProducing(): boolean {
    return this.state === 'starting' || this.state === 'producing';
  }

  get plan(): LadderPlan {
    return this.input.plan;
  }

  /** Takes the lease, continues the stream's numbering, and starts FFmpeg. Throws (having cleaned up) if that cannot be done. */
  async start(): Promise<void> {
    try {
      await this.origin.takeLease();
      const sequence = await this.deps.sequences.begin(this.streamId);
      await this.book.open(sequence);
      await this.recordings.prepare();
      this.log.info(
        {
          renditions: this.input.plan.renditions.map((r) => `${r.name}:${r.width}x${r.height}`),
          encoder: this.deps.encoder,
          firstMsn: sequence.firstMsn,
          takeover: sequence.continuing,
          record: this.input.settings.record,
          settingsFrom: this.input.settings.from,
        },
        'transcode job started',
      );
    } catch (error) {
      this.state = 'closed';
      await this.origin.releaseLease();
      await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
      throw error;
    }
    this.state = 'producing';
    this.deps.metrics.startStream(this.streamId);
    this.ladder.start();
    const period = Math.min(2000, Math.max(300, Math.floor(this.deps.config.TRANSCODE_JOB_ACK_WAIT_MS / 3)));
    this.timer = setInterval(() => void this.tick(), period);
    this.timer.unref();
  }

  /** The publisher left: finish the playlists with ENDLIST, announce recordings, keep serving for the linger period. */
  async end(reason: string): Promise<void> {
    if (!this.isProducing) return;
    this.state = 'ending';
    this.stopTimer();
    this.log.info({ reason }, 'stream ended; finishing the job');
    await this.ladder.stop();
    await this.book.settled();
    this.book.end();
    const linger = this.deps.config.TRANSCODE_END_LINGER_MS;
    await this.origin.endLive(linger);
    await this.recordings.announce();
    await this.publishEnded('stream_ended');
    this.state = 'lingering';
    this.resolveOutcome('ended');
    setTimeout(() => void this.close(true), linger).unref();
  }

  /**
   * Stops producing without ending the stream: `released` hands the job back
   * (drain), `lost` means another worker took it over, `failed` that FFmpeg
   * cannot run here.
   */
  async abandon(outcome: Exclude<JobOutcome, 'ended'>): Promise<void> {
    if (!this.isProducing) return;
    this.state = 'ending';
    this.stopTimer();
    this.log.warn({ outcome }, outcome === 'lost' ? 'another worker holds this stream now; stopping' : 'handing the job back');
    await this.ladder.stop();
    await this.book.settled();
    if (outcome !== 'lost') await this.origin.releaseLease();
    await this.recordings.announce();
    await this.publishEnded(outcome === 'failed' ? 'failed' : 'released');
    this.resolveOutcome(outcome);
    await this.close(false);
  }

  /**
   * Drain: the job message has been handed back; keep producing until the
   * worker that takes it over holds the lease (our next refresh fails) or
   * the drain deadline is near, so viewers see as short a gap as possible.
   */
  async handOver(deadline: number): Promise<void> {
    const stopAt = deadline - 2500;
    while (this.isProducing && Date.now() < stopAt) await new Promise((resolve) => setTimeout(resolve, 200));
    await this.abandon('released');
    await this.outcome;
  }

  // ---- origin access (internal HTTP) ----

  masterPlaylist(): string | undefined {
    return this.origin.announced ? this.book.masterPlaylist() : undefined;
  }

  mediaPlaylist(rendition: string): string | undefined {
    return this.book.mediaPlaylist(rendition);
  }

  segmentFile(rendition: string, uri: string): string | undefined {
    return this.book.segmentFile(rendition, uri);
  }

  thumbnailFile(): string {
    return join(this.dir, 'thumbnail.jpg');
  }

  // ---- internals ----

  private async onSegment(rendition: string, nextMsn: number): Promise<void> {
    this.deps.metrics.segment(this.streamId, rendition);
    await this.deps.sequences.advance(this.streamId, nextMsn).catch(() => undefined);
    if (!this.isProducing) return;
    if (!(await this.origin.maybeAnnounce())) void this.abandon('lost');
  }

  private async tick(): Promise<void> {
    if (!this.isProducing) return;
    this.ticks++;
    try {
      if (!(await this.origin.refresh()) && this.isProducing) return void this.abandon('lost');
    } catch (error) {
      this.log.warn({ err: error }, 'lease refresh failed (Redis); will retry');
    }
    if (this.ticks % 2 === 0 && this.isProducing) {
      const live = await this.stillLive().catch(() => true);
      this.liveMisses = live ? 0 : this.liveMisses + 1;
      // Two misses in a row: the stream's live entry is gone or belongs to a newer session.
      if (this.liveMisses >= 2) void this.end('live_state_gone');
    }
  }

  private stillLive(): Promise<boolean> {
    return isSessionLive(this.deps.liveStore, this.streamId, this.sessionId);
  }

  private async publishEnded(reason: 'stream_ended' | 'released' | 'failed'): Promise<void> {
    await this.deps.bus
      .publish(
        transcodeContracts.jobEnded,
        { streamId: this.streamId },
        { streamId: this.streamId, sessionId: this.sessionId, worker: this.deps.instanceId, reason, at: new Date().toISOString() },
      )
      .catch(() => undefined);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async close(removeOrigin: boolean): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (removeOrigin) await this.origin.remove();
    await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
    this.deps.metrics.forget(this.streamId);
    this.resolveClosed();
  }
}
