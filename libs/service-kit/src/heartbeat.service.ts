import { Inject, Injectable } from '@nestjs/common';
import { clusterContracts } from '@mediaplane/contracts';
import { LoadReporterService } from './load-reporter.service';
import { ReadinessService } from './readiness.service';
import { SERVICE_CONTEXT, type ServiceContext } from './service-context';

/**
 * Announces this instance on NATS every heartbeat period. Entries expire
 * after three missed beats, so a SIGKILLed instance leaves the cluster view
 * by itself; a clean stop says so at once. Answers pings on its own subject
 * (`cluster.v1.node.{instanceId}.ping`), so a peer can tell at once that an
 * instance is gone (see LiveStreamPresence).
 */
@Injectable()
export class HeartbeatService {
  private timer?: NodeJS.Timeout;
  private readonly ports: Record<string, number> = {};
  private readonly facts: Record<string, string> = {};

  constructor(
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    private readonly readiness: ReadinessService,
    private readonly load: LoadReporterService,
  ) {}

  /** Records a listener's bound port so the cluster view and peers can find it. */
  setPort(name: string, port: number): void {
    this.ports[name] = port;
  }

  /** Records a fact the cluster view shows about this instance (e.g. the SFU's engine). */
  setFact(name: string, value: string): void {
    this.facts[name] = value;
  }

  start(): void {
    // Only this instance listens on its own ping subject: a peer asking about a SIGKILLed instance gets "no responders" at once.
    this.ctx.bus.respond(clusterContracts.nodePing, () => ({ app: this.ctx.app, instanceId: this.ctx.instanceId }), {
      queue: false,
      params: { instanceId: this.ctx.instanceId },
    });
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.ctx.config.MEDIAPLANE_HEARTBEAT_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ctx.bus
      .publish(
        clusterContracts.nodeStopped,
        { instanceId: this.ctx.instanceId },
        { app: this.ctx.app, instanceId: this.ctx.instanceId, at: new Date().toISOString() },
      )
      .catch(() => undefined);
  }

  async beat(): Promise<void> {
    try {
      await this.ctx.bus.publish(
        clusterContracts.nodeHeartbeat,
        { instanceId: this.ctx.instanceId },
        {
          app: this.ctx.app,
          instanceId: this.ctx.instanceId,
          version: this.ctx.version,
          host: this.ctx.config.MEDIAPLANE_ADVERTISE_HOST,
          ports: { ...this.ports },
          ready: this.readiness.report().ready,
          startedAt: this.ctx.startedAt.toISOString(),
          sentAt: new Date().toISOString(),
          ttlMs: this.ctx.config.MEDIAPLANE_HEARTBEAT_MS * 3,
          load: this.load.sample(),
          facts: { ...this.facts },
        },
      );
    } catch (error) {
      this.ctx.logger.warn({ err: error }, 'heartbeat not sent');
    }
  }
}
