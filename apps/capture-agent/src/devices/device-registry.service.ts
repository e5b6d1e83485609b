import { EventEmitter } from 'node:events';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from '@mediaplane/observability';
import { LOGGER } from '@mediaplane/service-kit';
import type { DeviceInfo, DeviceSource } from './device-source';

export interface DeviceRegistryEvents {
  added: [device: DeviceInfo, source: DeviceSource];
  removed: [deviceId: string];
  /** Anything in the merged list changed (for the announcer). */
  changed: [];
}

/**
 * Every source's devices merged into one list. Sources register themselves
 * (`addSource` from their module's onModuleInit) and are started here; one
 * source failing to start or listing a device id another source already has
 * affects that source or device only.
 */
@Injectable()
export class DeviceRegistry extends EventEmitter<DeviceRegistryEvents> implements OnApplicationShutdown {
  private readonly sources: DeviceSource[] = [];
  /** Device id → the source that listed it first. */
  private readonly owners = new Map<string, DeviceSource>();

  constructor(@Inject(LOGGER) private readonly logger: Logger) {
    super();
  }

  addSource(source: DeviceSource): void {
    if (this.sources.includes(source)) return;
    this.sources.push(source);
    source.on('added', (device) => this.onAdded(source, device));
    source.on('removed', (id) => this.onRemoved(source, id));
    for (const device of source.list()) this.onAdded(source, device);
    source.start().then(
      () => {
        // Devices a source found while starting may have come before our listeners saw them.
        for (const device of source.list()) this.onAdded(source, device);
      },
      (error: unknown) => this.logger.error({ err: error, source: source.kind }, 'device source failed to start; its devices are not offered'),
    );
  }

  /** The merged device list, sorted by id. */
  list(): DeviceInfo[] {
    const out: DeviceInfo[] = [];
    for (const [id, source] of this.owners) {
      const device = source.list().find((d) => d.id === id);
      if (device) out.push(device);
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  get(deviceId: string): { device: DeviceInfo; source: DeviceSource } | undefined {
    const source = this.owners.get(deviceId);
    const device = source?.list().find((d) => d.id === deviceId);
    return source && device ? { device, source } : undefined;
  }

  has(deviceId: string): boolean {
    return this.get(deviceId) !== undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      this.sources.map((s) => s.stop().catch((error: unknown) => this.logger.warn({ err: error, source: s.kind }, 'device source stop failed'))),
    );
  }

  private onAdded(source: DeviceSource, device: DeviceInfo): void {
    const owner = this.owners.get(device.id);
    if (owner === source) {
      this.emit('changed');
      return;
    }
    if (owner) {
      this.logger.warn({ deviceId: device.id, source: source.kind, owner: owner.kind }, 'two sources list the same device id; keeping the first');
      return;
    }
    this.owners.set(device.id, source);
    this.logger.info({ deviceId: device.id, kind: device.kind, name: device.name }, 'device added');
    this.emit('added', device, source);
    this.emit('changed');
  }

  private onRemoved(source: DeviceSource, deviceId: string): void {
    if (this.owners.get(deviceId) !== source) return;
    this.owners.delete(deviceId);
    this.logger.info({ deviceId }, 'device removed');
    this.emit('removed', deviceId);
    this.emit('changed');
  }
}
