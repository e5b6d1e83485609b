import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { streamContracts, transcodeContracts, type StreamStarted } from '@mediaplane/contracts';
import { planLadder } from '@mediaplane/media-plan';
import type { Bus, WorkMessage, WorkQueue } from '@mediaplane/messaging';
import { getTracer, type Logger } from '@mediaplane/observability';
import { LiveStreamStore } from '@mediaplane/sessions';
import { APP_CONFIG, BUS, INSTANCE_ID, LOGGER, LoadReporterService, ReadinessService, ShutdownService } from '@mediaplane/service-kit';
import { ServingJobs } from '../hls/serving-jobs';
import { EncoderService } from '../ladder/encoder.service';
import { probeSource, sourceFromLiveState } from '../ladder/source-probe';
import { TranscodeMetrics } from '../metrics/transcode-metrics.service';
import type { TranscodeConfig } from '../transcode.config';
import { resolveJobSettings } from './job-settings';
import { livePullOf, openLivePull, waitForLiveSession, withStartedMedia } from './live-session';
import { TranscodeJobFactory } from './transcode-job.factory';
import type { JobOutcome, TranscodeJob } from './transcode-job';

/** The durable consumer every worker shares: each streamStarted goes to one worker at a time. */
export const JOB_CONSUMER = 'transcode-jobs';

interface ActiveJob {
  job: TranscodeJob;
  /** The delivery that settles when the job ends (a redelivery to this worker replaces it). */
  msg: WorkMessage<StreamStarted>;
  /** Tells the handler of the previous delivery that a redelivery took over. */
  superseded?: () => void;
}

/**
 * Takes transcode jobs from the shared JetStream work queue, at most
 * TRANSCODE_MAX_JOBS at a time (at capacity it stops pulling, so the pool
 * spreads the streams). A job's handler runs for the life of the job, its
 * message kept alive with `working()`; if the worker dies or hangs, the ack
 * wait expires and JetStream hands the stream to another worker. The message
 * is acked when the stream ends; drain hands jobs back at once.
 */
@Injectable()
export class JobQueueService implements OnApplicationBootstrap {
  private readonly tracer = getTracer('mediaplane.transcode');
  private readonly active = new Map<string, ActiveJob>();
  private queue?: WorkQueue;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: TranscodeConfig,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly liveStore: LiveStreamStore,
    private readonly jobs: TranscodeJobFactory,
    private readonly encoder: EncoderService,
    private readonly metrics: TranscodeMetrics,
    private readonly serving: ServingJobs,
    private readonly readiness: ReadinessService,
    private readonly load: LoadReporterService,
    private readonly shutdown: ShutdownService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.metrics.capacity.set(this.config.TRANSCODE_MAX_JOBS);
    this.load.addUnit('jobs', () => this.active.size);
    this.load.addUnit('jobCapacity', () => this.config.TRANSCODE_MAX_JOBS);
    this.readiness.addCheck('job-queue', () => this.queue !== undefined);
    this.shutdown.onDrain('transcode-jobs', (deadline) => this.drain(deadline));
    this.bus.subscribe(
      streamContracts.streamEnded,
      async (ended) => {
        await this.active.get(key(ended.streamId, ended.sessionId))?.job.end('stream_ended_event');
      },
      // Every worker must hear it: only the one running the job acts.
      { queue: false },
    );
    const ackWaitMs = this.config.TRANSCODE_JOB_ACK_WAIT_MS;
    this.queue = await this.bus.workQueue(
      streamContracts.streamStarted,
      // Jobs of streams that went live before any worker ran are still wanted; stale ones are skipped on claim.
      { durable: JOB_CONSUMER, ackWaitMs, concurrency: this.config.TRANSCODE_MAX_JOBS, keepAliveMs: Math.max(300, Math.floor(ackWaitMs / 3)) },
      (msg) => this.run(msg),
    );
  }

  /** The handler of one delivery: claims the job, then follows it until it ends (or a redelivery takes over). */
  private async run(msg: WorkMessage<StreamStarted>): Promise<void> {
    const encoder = await this.encoder.get();
    if (this.stopping) return msg.nak();
    const { streamId, sessionId } = msg.payload;
    const existing = this.active.get(key(streamId, sessionId));
    if (existing) {
      // Redelivered to the worker already running it (we were late extending): carry on with the new delivery.
      existing.superseded?.();
      existing.msg = msg;
      return this.follow(existing, msg);
    }
    const entry = await this.tracer.startActiveSpan('transcode job start', { attributes: { 'mediaplane.stream_id': streamId } }, async (span) => {
      try {
        return await this.claim(msg, encoder);
      } finally {
        span.end();
      }
    });
    if (entry) await this.follow(entry, msg);
  }

  private async claim(msg: WorkMessage<StreamStarted>, encoder: Awaited<ReturnType<EncoderService['get']>>): Promise<ActiveJob | undefined> {
    const { streamId, sessionId } = msg.payload;
    const log = this.logger.child({ streamId, sessionId, delivery: msg.deliveryCount });
    try {
      const live = await waitForLiveSession(this.liveStore, streamId, sessionId, msg.payload.startedAt);
      const state = live && withStartedMedia(live, msg.payload);
      if (!state) {
        log.info('skipping the job of a session that is no longer live');
        msg.ack();
        return undefined;
      }
      const pull = livePullOf(state);
      if (!pull) {
        log.error('the live state has no pullUrl; cannot pull the stream');
        msg.nak(5000);
        return undefined;
      }
      const settings = resolveJobSettings(msg.payload, state.private);
      if (settings.from === 'fallback') log.warn('stream.started carries no settings (an older ingest node); using defaults (no recording, default ladder)');
      const source =
        sourceFromLiveState(state) ??
        (await probeSource(this.config.TRANSCODE_FFPROBE_PATH, await openLivePull(pull, this.config.MEDIAPLANE_PLAYBACK_SECRET, streamId, 10_000), 10_000, pull.format));
      const plan = planLadder(source, settings.ladder, { maxFps: this.config.TRANSCODE_MAX_FPS });
      const job = this.jobs.create(
        {
          streamId,
          sessionId,
          pull,
          delivery: msg.deliveryCount,
          settings,
          source,
          plan,
          workDir: join(this.config.TRANSCODE_WORK_DIR, this.instanceId),
        },
        encoder,
      );
      await job.start();
      const entry: ActiveJob = { job, msg };
      this.active.set(key(streamId, sessionId), entry);
      this.serving.add(job);
      this.metrics.jobs.set(this.active.size);
      this.metrics.claims.inc({ takeover: String(msg.deliveryCount > 1) });
      void this.bus
        .publish(
          transcodeContracts.jobClaimed,
          { streamId },
          { streamId, sessionId, worker: this.instanceId, delivery: msg.deliveryCount, at: new Date().toISOString() },
        )
        .catch(() => undefined);
      return entry;
    } catch (error) {
      log.warn({ err: error }, 'could not start the job; handing it back');
      msg.nak(3000);
      return undefined;
    }
  }

  /** Waits for the job's outcome and settles this delivery by it, unless a redelivery supersedes this one first. */
  private async follow(entry: ActiveJob, msg: WorkMessage<StreamStarted>): Promise<void> {
    const superseded = new Promise<'superseded'>((resolve) => (entry.superseded = () => resolve('superseded')));
    const outcome = await Promise.race([entry.job.outcome, superseded]);
    if (outcome === 'superseded') return msg.leave();
    const id = key(entry.job.streamId, entry.job.sessionId);
    if (this.active.get(id) === entry) this.active.delete(id);
    this.metrics.jobs.set(this.active.size);
    settle(msg, outcome);
  }

  private async drain(deadline: number): Promise<void> {
    this.stopping = true;
    const stopped = this.queue?.stop();
    const entries = [...this.active.values()];
    // Hand the messages back now so other workers start while we keep producing.
    for (const entry of entries) entry.msg.nak();
    await Promise.all(entries.map((e) => e.job.handOver(deadline)));
    await stopped;
    // Lingering jobs' files and anything else this instance wrote: nobody will serve them after we exit.
    await rm(join(this.config.TRANSCODE_WORK_DIR, this.instanceId), { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * `ended` → ack (the stream is over); `released` → nak (another worker now);
 * `failed` → nak with a delay; `lost` → nothing: another worker holds the
 * message now, and settling ours would disturb its delivery.
 */
function settle(msg: WorkMessage<StreamStarted>, outcome: JobOutcome): void {
  if (outcome === 'ended') msg.ack();
  else if (outcome === 'released') msg.nak();
  else if (outcome === 'failed') msg.nak(5000);
  else msg.leave();
}

function key(streamId: string, sessionId: string): string {
  return `${streamId}/${sessionId}`;
}

