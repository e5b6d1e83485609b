import { hostname } from 'node:os';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { captureContracts } from '@mediaplane/contracts';
import type { Bus } from '@mediaplane/messaging';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, BUS, INSTANCE_ID, LOGGER } from '@mediaplane/service-kit';
import type { CaptureAgentConfig } from '../capture-agent.config';
import { DeviceRegistry } from '../devices/device-registry.service';
import { CaptureSessions } from './capture-sessions.service';

/** Coalesces bursts of changes (a hub of devices plugging in) into one announcement. */
const CHANGE_DEBOUNCE_MS = 150;

/**
 * Announces this agent's devices and their capture states to the control
 * plane: the whole list every heartbeat (valid for three beats, so a dead
 * agent's devices expire) and at once after any change; a goodbye on shutdown.
 */
@Injectable()
export class DeviceAnnouncer implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly registry: DeviceRegistry,
    private readonly sessions: CaptureSessions,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(APP_CONFIG) private readonly config: CaptureAgentConfig,
    @Inject(INSTANCE_ID) private readonly agentId: string,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const changed = () => this.soon();
    this.registry.on('changed', changed);
    this.sessions.on('changed', changed);
    this.timer = setInterval(() => void this.announce(), this.config.MEDIAPLANE_HEARTBEAT_MS);
    this.timer.unref();
    void this.announce();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    await this.bus
      .publish(captureContracts.agentStopped, { agentId: this.agentId }, { agentId: this.agentId, at: new Date().toISOString() })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not announce the agent stopping'));
  }

  private soon(): void {
    if (this.debounce || this.closed) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.announce();
    }, CHANGE_DEBOUNCE_MS);
  }

  private async announce(): Promise<void> {
    if (this.closed) return;
    try {
      await this.bus.publish(
        captureContracts.agentDevices,
        { agentId: this.agentId },
        {
          agentId: this.agentId,
          host: this.config.MEDIAPLANE_ADVERTISE_HOST || hostname(),
          sentAt: new Date().toISOString(),
          ttlMs: this.config.MEDIAPLANE_HEARTBEAT_MS * 3,
          devices: this.sessions.devices(),
        },
      );
    } catch (error) {
      this.logger.warn({ err: error }, 'device announcement failed; the next beat retries');
    }
  }
}
