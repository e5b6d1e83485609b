import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Consumer, JsMsg } from 'nats';
import { StreamStartedSchema, streamContracts, transcodeContracts } from '@mediaplane/contracts';
import { decodeJson, formatIssues } from '@mediaplane/messaging';
import { LiveStreamStore, signPlaybackToken, type LiveStreamState } from '@mediaplane/sessions';
import { LoadReporterService, ReadinessService, SERVICE_CONTEXT, ShutdownService, type ServiceContext } from '@mediaplane/service-kit';
import { EncoderService } from '../ladder/encoder.service';
import { planLadder } from '../ladder/ladder-planner';
import { probeSource, sourceFromLiveState } from '../ladder/source-probe';
import { TranscodeMetrics } from '../metrics/transcode-metrics.service';
import type { TranscodeConfig } from '../transcode.config';
import { openJobConsumer } from './job-consumer';
import { JobLeaseStore } from './job-lease-store';
import { resolveJobSettings } from './job-settings';
import { SequenceStore } from './sequence-store';
import { ServingJobs } from './serving-jobs';
import { TranscodeJob, type JobOutcome } from './transcode-job';

interface ActiveJob {
  job: TranscodeJob;
  msg: JsMsg;
  working: NodeJS.Timeout;
  /** The message was already handed back (drain): the outcome must not ack or nak it again. */
  settled: boolean;
}

/**
 * Pulls transcode jobs from the shared JetStream work queue while this worker
 * has capacity (at capacity it simply stops pulling, so the pool spreads the
 * streams), keeps each claimed message alive with `working()` while the job
 * runs, and acks it when the stream ends. Drain hands jobs back at once.
 */
@Injectable()
export class JobQueueService implements OnApplicationBootstrap {
  private readonly config: TranscodeConfig;
  private readonly active = new Map<string, ActiveJob>();
  private readonly leases: JobLeaseStore;
  private readonly sequences: SequenceStore;
  private readonly liveStore: LiveStreamStore;
  private consumer?: Consumer;
  private stopping = false;
  private wake?: () => void;
  private loop?: Promise<void>;

  constructor(
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext<TranscodeConfig>,
    private readonly encoder: EncoderService,
    private readonly metrics: TranscodeMetrics,
    private readonly serving: ServingJobs,
    private readonly readiness: ReadinessService,
    private readonly load: LoadReporterService,
    private readonly shutdown: ShutdownService,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.config = ctx.config;
    this.leases = new JobLeaseStore(ctx.redis, ctx.config.MEDIAPLANE_NAMESPACE);
    this.sequences = new SequenceStore(ctx.redis, ctx.config.MEDIAPLANE_NAMESPACE);
    this.liveStore = new LiveStreamStore(ctx.redis, ctx.config.MEDIAPLANE_NAMESPACE);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.metrics.capacity.set(this.config.TRANSCODE_MAX_JOBS);
    this.load.addUnit('jobs', () => this.active.size);
    this.load.addUnit('jobCapacity', () => this.config.TRANSCODE_MAX_JOBS);
    this.readiness.addCheck('job-queue', () => this.consumer !== undefined);
    this.shutdown.onDrain('transcode-jobs', (deadline) => this.drain(deadline));
    this.ctx.bus.subscribe(
      streamContracts.streamEnded,
      async (ended) => {
        await this.active.get(key(ended.streamId, ended.sessionId))?.job.end('stream_ended_event');
      },
      // Every worker must hear it: only the one running the job acts.
      { queue: false },
    );
    this.consumer = await openJobConsumer(this.ctx.bus.nc, this.config.MEDIAPLANE_NAMESPACE, this.config.TRANSCODE_JOB_ACK_WAIT_MS);
    this.loop = this.pullLoop();
  }

  get activeJobs(): number {
    return this.active.size;
  }

  private async pullLoop(): Promise<void> {
    await this.encoder.get();
    while (!this.stopping) {
      if (this.active.size >= this.config.TRANSCODE_MAX_JOBS) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      let msg: JsMsg | null = null;
      try {
        msg = (await this.consumer?.next({ expires: 5000 })) ?? null;
      } catch (error) {
        if (this.stopping || this.ctx.bus.nc.isClosed()) break;
        this.ctx.logger.warn({ err: error }, 'job pull failed; retrying');
        await sleep(1000);
        continue;
      }
      if (!msg) continue;
      if (this.stopping) {
        msg.nak();
        break;
      }
      await this.claim(msg);
    }
  }

  private async claim(msg: JsMsg): Promise<void> {
    const period = Math.max(300, Math.floor(this.config.TRANSCODE_JOB_ACK_WAIT_MS / 3));
    const working = setInterval(() => msg.working(), period);
    const giveBack = (delayMs?: number) => {
      clearInterval(working);
      msg.nak(delayMs);
    };
    const parsed = StreamStartedSchema.safeParse(safeDecode(msg));
    if (!parsed.success) {
      clearInterval(working);
      this.ctx.logger.warn({ subject: msg.subject, issues: formatIssues(parsed.error) }, 'dropping a job message that violates its contract');
      msg.term();
      return;
    }
    const { streamId, sessionId } = parsed.data;
    const log = this.ctx.logger.child({ streamId, sessionId, delivery: msg.info.deliveryCount });
    const existing = this.active.get(key(streamId, sessionId));
    if (existing) {
      // Redelivered to the worker already running it (we were late extending): carry on with the new delivery.
      clearInterval(existing.working);
      existing.msg = msg;
      existing.working = working;
      return;
    }
    try {
      const state = await this.waitForLiveState(streamId, sessionId, parsed.data.startedAt);
      if (!state) {
        clearInterval(working);
        log.info('skipping the job of a session that is no longer live');
        msg.ack();
        return;
      }
      if (!state.pullUrl) {
        log.error('the live state has no pullUrl; cannot pull the stream');
        return giveBack(5000);
      }
      const settings = await resolveJobSettings(this.ctx.bus, streamId, state.private, Math.min(2000, this.config.MEDIAPLANE_REQUEST_TIMEOUT_MS), log);
      const source = sourceFromLiveState(state) ?? (await probeSource(this.config.TRANSCODE_FFPROBE_PATH, this.internalUrl(state.pullUrl, streamId), 10_000));
      const plan = planLadder(source, settings.ladder, { maxFps: this.config.TRANSCODE_MAX_FPS });
      const job = new TranscodeJob(
        {
          streamId,
          sessionId,
          pullUrl: state.pullUrl,
          delivery: msg.info.deliveryCount,
          settings,
          source,
          plan,
          workDir: join(this.config.TRANSCODE_WORK_DIR, this.ctx.instanceId),
        },
        {
          config: this.config,
          instanceId: this.ctx.instanceId,
          logger: this.ctx.logger,
          bus: this.ctx.bus,
          leases: this.leases,
          sequences: this.sequences,
          liveStore: this.liveStore,
          metrics: this.metrics,
          encoder: await this.encoder.get(),
          originBaseUrl: () => this.originBaseUrl(),
        },
      );
      await job.start();
      const entry: ActiveJob = { job, msg, working, settled: false };
      this.active.set(key(streamId, sessionId), entry);
      this.serving.add(job);
      this.metrics.jobs.set(this.active.size);
      const takeover = msg.info.deliveryCount > 1;
      this.metrics.claims.inc({ takeover: String(takeover) });
      void this.ctx.bus
        .publish(
          transcodeContracts.jobClaimed,
          { streamId },
          { streamId, sessionId, worker: this.ctx.instanceId, delivery: msg.info.deliveryCount, at: new Date().toISOString() },
        )
        .catch(() => undefined);
      void job.outcome.then((outcome) => this.finish(key(streamId, sessionId), entry, outcome));
    } catch (error) {
      log.warn({ err: error }, 'could not start the job; handing it back');
      giveBack(3000);
    }
  }

  private finish(id: string, entry: ActiveJob, outcome: JobOutcome): void {
    clearInterval(entry.working);
    if (this.active.get(id) === entry) this.active.delete(id);
    this.metrics.jobs.set(this.active.size);
    if (!entry.settled) {
      entry.settled = true;
      if (outcome === 'ended') entry.msg.ack();
      else if (outcome === 'released') entry.msg.nak();
      else if (outcome === 'failed') entry.msg.nak(5000);
      // 'lost': another worker holds the message now; acking or nakking ours would disturb its delivery.
    }
    this.wake?.();
  }

  /**
   * Ingest writes the live state before it announces the stream; a just-started
   * stream gets a moment for replication anyway. An old event without live
   * state (a backlog replayed to a new consumer) is skipped at once.
   */
  private async waitForLiveState(streamId: string, sessionId: string, startedAt: string): Promise<LiveStreamState | undefined> {
    const tries = Date.now() - Date.parse(startedAt) < 15_000 ? 4 : 1;
    for (let i = 0; i < tries; i++) {
      const state = await this.liveStore.get(streamId);
      if (state?.sessionId === sessionId) return state;
      if (state && state.sessionId !== sessionId) return undefined;
      if (i < tries - 1) await sleep(500);
    }
    return undefined;
  }

  private async drain(deadline: number): Promise<void> {
    this.stopping = true;
    this.wake?.();
    const entries = [...this.active.values()];
    for (const entry of entries) {
      // Hand the message back now so another worker starts while we keep producing.
      clearInterval(entry.working);
      entry.settled = true;
      entry.msg.nak();
    }
    await Promise.all(entries.map((e) => e.job.handOver(deadline)));
    await this.loop;
    // Lingering jobs' files and anything else this instance wrote: nobody will serve them after we exit.
    await rm(join(this.config.TRANSCODE_WORK_DIR, this.ctx.instanceId), { recursive: true, force: true }).catch(() => undefined);
  }

  private internalUrl(pullUrl: string, streamId: string): string {
    const url = new URL(pullUrl);
    url.searchParams.set('token', signInternal(this.config.MEDIAPLANE_PLAYBACK_SECRET, streamId));
    return url.toString();
  }

  private originBaseUrl(): string {
    const address = (this.adapterHost.httpAdapter.getHttpServer() as Server).address();
    const port = typeof address === 'object' && address ? address.port : this.config.TRANSCODE_HTTP_PORT;
    return `http://${this.config.MEDIAPLANE_ADVERTISE_HOST}:${port}/origin/hls`;
  }
}

function key(streamId: string, sessionId: string): string {
  return `${streamId}/${sessionId}`;
}

function safeDecode(msg: JsMsg): unknown {
  try {
    return decodeJson(msg.subject, msg.data);
  } catch {
    return undefined;
  }
}

function signInternal(secret: string, streamId: string): string {
  return signPlaybackToken(secret, streamId, new Date(Date.now() + 60_000), 'internal');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
