import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { restreamContracts, streamContracts, type StreamStarted } from '@mediaplane/contracts';
import type { Bus, WorkMessage, WorkQueue } from '@mediaplane/messaging';
import type { Logger } from '@mediaplane/observability';
import { LiveStreamStore, OutboundTargetPolicy, RestreamOutputStore } from '@mediaplane/sessions';
import { APP_CONFIG, BUS, INSTANCE_ID, LOGGER, LoadReporterService, ReadinessService, ShutdownService } from '@mediaplane/service-kit';
import { isSessionLive, waitForLiveSession, withStartedMedia } from '../jobs/live-session';
import type { TranscodeConfig } from '../transcode.config';
import { RestreamMetrics } from './restream-metrics.service';
import { RestreamSession } from './restream-session';

/** The durable consumer every worker shares for restream jobs: each stream.started goes to one worker. */
export const RESTREAM_CONSUMER = 'restream-jobs';

interface ActiveSession {
  session: RestreamSession;
  msg: WorkMessage<StreamStarted>;
  /** Settles the handler: 'ended' acks, 'released' naks (another worker takes it). */
  finish: (outcome: 'ended' | 'released') => void;
  liveMisses: number;
}

/**
 * Claims restream jobs from the JetStream work queue of `stream.started`
 * (its own durable consumer next to the ladder's, so a stream's outputs and
 * its ladder may run on different workers). A job holds its message for the
 * life of the session (`working()` keeps it), runs the session's outputs,
 * and acks when the stream ends; if the worker dies, the ack wait expires
 * and another worker takes the stream's outputs over. Drain hands jobs back.
 */
@Injectable()
export class RestreamQueueService implements OnApplicationBootstrap {
  private readonly active = new Map<string, ActiveSession>();
  private readonly policy: OutboundTargetPolicy;
  private queue?: WorkQueue;
  private timer?: NodeJS.Timeout;
  private ticks = 0;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: TranscodeConfig,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly liveStore: LiveStreamStore,
    private readonly store: RestreamOutputStore,
    private readonly metrics: RestreamMetrics,
    private readonly readiness: ReadinessService,
    private readonly load: LoadReporterService,
    private readonly shutdown: ShutdownService,
  ) {
    this.policy = new OutboundTargetPolicy(config.MEDIAPLANE_RESTREAM_ALLOWLIST, 'MEDIAPLANE_RESTREAM_ALLOWLIST');
  }

  async onApplicationBootstrap(): Promise<void> {
    this.load.addUnit('restreamOutputs', () => [...this.active.values()].reduce((n, a) => n + a.session.outputs, 0));
    this.readiness.addCheck('restream-queue', () => this.queue !== undefined);
    this.shutdown.onDrain('restream-jobs', () => this.drain());
    this.bus.subscribe(streamContracts.streamEnded, (ended) => this.finish(ended.streamId, ended.sessionId, 'ended'), { queue: false });
    this.bus.subscribe(
      restreamContracts.outputsChanged,
      async (changed) => {
        for (const a of this.active.values()) if (a.session.streamId === changed.streamId) await a.session.reconcile();
      },
      { queue: false },
    );
    const ackWaitMs = this.config.TRANSCODE_JOB_ACK_WAIT_MS;
    this.queue = await this.bus.workQueue(
      streamContracts.streamStarted,
      {
        durable: RESTREAM_CONSUMER,
        ackWaitMs,
        concurrency: this.config.TRANSCODE_RESTREAM_MAX_STREAMS,
        keepAliveMs: Math.max(300, Math.floor(ackWaitMs / 3)),
      },
      (msg) => this.run(msg),
    );
    this.timer = setInterval(() => void this.tick(), this.config.TRANSCODE_RESTREAM_REPORT_MS);
    this.timer.unref();
  }

  /** One delivery: follows the session until it ends or the job is handed back. */
  private async run(msg: WorkMessage<StreamStarted>): Promise<void> {
    if (this.stopping) return msg.nak();
    const { streamId, sessionId } = msg.payload;
    const id = key(streamId, sessionId);
    const existing = this.active.get(id);
    if (existing) {
      // Redelivered to us while we still run it (a late keep-alive): the new delivery carries on, the old one is left.
      existing.msg.leave();
      existing.msg = msg;
      return new Promise<void>((resolve) => {
        const previous = existing.finish;
        existing.finish = (outcome) => {
          previous(outcome);
          settle(msg, outcome);
          resolve();
        };
      });
    }
    const state = await waitForLiveSession(this.liveStore, streamId, sessionId, msg.payload.startedAt);
    if (!state) return msg.ack(); // the session is over: nothing to push
    if (!state.pullUrl) {
      this.logger.error({ streamId, sessionId }, 'the live state has no pullUrl; cannot restream');
      return msg.nak(5000);
    }
    const session = new RestreamSession(
      streamId,
      sessionId,
      { ...withStartedMedia(state, msg.payload), pullUrl: state.pullUrl },
      {
        config: this.config,
        instanceId: this.instanceId,
        bus: this.bus,
        store: this.store,
        policy: this.policy,
        metrics: this.metrics,
        logger: this.logger,
      },
    );
    const done = new Promise<void>((resolve) => {
      this.active.set(id, {
        session,
        msg,
        liveMisses: 0,
        finish: (outcome) => {
          settle(msg, outcome);
          resolve();
        },
      });
    });
    this.metrics.streams.set(this.active.size);
    await session.reconcile();
    if (session.outputs > 0) this.logger.info({ streamId, sessionId, outputs: session.outputs, delivery: msg.deliveryCount }, 'restream job claimed');
    await done;
  }

  private async finish(streamId: string, sessionId: string, outcome: 'ended' | 'released'): Promise<void> {
    const id = key(streamId, sessionId);
    const entry = this.active.get(id);
    if (!entry) return;
    this.active.delete(id);
    this.metrics.streams.set(this.active.size);
    await entry.session.close();
    entry.finish(outcome);
  }

  /** Reports running outputs; every few ticks re-reads the outputs and checks the session is still live. */
  private async tick(): Promise<void> {
    this.ticks++;
    for (const entry of [...this.active.values()]) {
      const { session } = entry;
      session.reportAll();
      if (this.ticks % 3 !== 0) continue;
      await session.reconcile();
      const live = await isSessionLive(this.liveStore, session.streamId, session.sessionId).catch(() => true);
      entry.liveMisses = live ? 0 : entry.liveMisses + 1;
      // Twice in a row: the live entry is gone or belongs to a newer session (a missed stream.ended).
      if (entry.liveMisses >= 2) await this.finish(session.streamId, session.sessionId, 'ended');
    }
  }

  private async drain(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    const stopped = this.queue?.stop();
    await Promise.all([...this.active.values()].map((a) => this.finish(a.session.streamId, a.session.sessionId, 'released')));
    await stopped;
  }
}

function settle(msg: WorkMessage<StreamStarted>, outcome: 'ended' | 'released'): void {
  if (outcome === 'ended') msg.ack();
  else msg.nak();
}

function key(streamId: string, sessionId: string): string {
  return `${streamId}/${sessionId}`;
}
