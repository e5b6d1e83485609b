import { restreamContracts } from '@mediaplane/contracts';
import type { Bus } from '@mediaplane/messaging';
import type { Logger } from '@mediaplane/observability';
import type { OutboundTargetPolicy, RestreamOutputRecord, RestreamOutputStore } from '@mediaplane/sessions';
import type { TranscodeConfig } from '../transcode.config';
import type { OutputSnapshot } from './output-state';
import type { RestreamMetrics } from './restream-metrics.service';
import { RestreamOutputRunner, type RestreamSource } from './restream-output-runner';

export interface RestreamSessionDeps {
  config: TranscodeConfig;
  instanceId: string;
  bus: Bus;
  store: RestreamOutputStore;
  policy: OutboundTargetPolicy;
  metrics: RestreamMetrics;
  logger: Logger;
}

/**
 * The restream outputs of one live session on this worker: runs one
 * RestreamOutputRunner per enabled output, follows the stored list
 * (`reconcile`: on an outputs-changed event and periodically, so a missed
 * event only delays a change), and reports each output's state over NATS.
 */
export class RestreamSession {
  private readonly runners = new Map<string, RestreamOutputRunner>();
  private readonly log: Logger;
  private closed = false;
  private reconciling: Promise<void> = Promise.resolve();

  constructor(
    readonly streamId: string,
    readonly sessionId: string,
    private readonly source: RestreamSource,
    private readonly deps: RestreamSessionDeps,
  ) {
    this.log = deps.logger.child({ streamId, sessionId });
  }

  get outputs(): number {
    return this.runners.size;
  }

  /** Brings the running outputs in line with the store; calls are serialized. */
  reconcile(): Promise<void> {
    this.reconciling = this.reconciling
      .then(() => this.reconcileNow())
      .catch((error: unknown) => this.log.warn({ err: error }, 'restream reconcile failed; will retry'));
    return this.reconciling;
  }

  /** Re-sends every running output's report (bytes keep growing; a lost report is repaired). */
  reportAll(): void {
    for (const runner of this.runners.values()) this.report(runner.id, runner.snapshot());
  }

  /** Stops every output (the stream ended, or the worker hands the job back). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.reconciling;
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    this.runners.clear();
  }

  private async reconcileNow(): Promise<void> {
    if (this.closed) return;
    const wanted = new Map((await this.deps.store.list(this.streamId)).filter((o) => o.enabled).map((o) => [o.id, o]));
    if (this.closed) return;
    for (const [id, runner] of this.runners) {
      const record = wanted.get(id);
      // Removed, disabled, or replaced by a different target under the same id: stop it.
      if (!record || record.url !== runner.record.url) {
        this.runners.delete(id);
        await runner.stop();
        this.log.info({ outputId: id }, 'restream output stopped (removed or changed)');
      }
    }
    for (const [id, record] of wanted) if (!this.runners.has(id)) this.startRunner(record);
  }

  private startRunner(record: RestreamOutputRecord): void {
    const runner = new RestreamOutputRunner(record, {
      streamId: this.streamId,
      source: this.source,
      config: this.deps.config,
      policy: this.deps.policy,
      metrics: this.deps.metrics,
      logger: this.log,
      onChange: (outputId, snapshot) => this.report(outputId, snapshot),
    });
    this.runners.set(record.id, runner);
    runner.start();
  }

  private report(outputId: string, snapshot: OutputSnapshot): void {
    void this.deps.bus
      .publish(
        restreamContracts.outputReported,
        { outputId },
        {
          streamId: this.streamId,
          outputId,
          sessionId: this.sessionId,
          worker: this.deps.instanceId,
          ...snapshot,
          at: new Date().toISOString(),
        },
      )
      .catch(() => undefined);
  }
}
