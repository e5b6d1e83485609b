import { EventEmitter } from 'node:events';
import { createLogger } from '@mediaplane/observability';
import { DeviceRegistry } from './device-registry.service';
import type { CaptureFeed, DeviceInfo, DeviceKind, DeviceSource } from './device-source';

class ListSource extends EventEmitter implements DeviceSource {
  devices: DeviceInfo[] = [];
  constructor(readonly kind: DeviceKind) {
    super();
  }
  start(): Promise<void> {
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  list(): DeviceInfo[] {
    return this.devices;
  }
  plug(d: DeviceInfo): void {
    this.devices.push(d);
    this.emit('added', d);
  }
  unplug(id: string): void {
    this.devices = this.devices.filter((d) => d.id !== id);
    this.emit('removed', id);
  }
  openCapture(): Promise<CaptureFeed> {
    return Promise.reject(new Error('not here'));
  }
}

const info = (id: string, kind: DeviceKind): DeviceInfo => ({ id, kind, name: id, capabilities: { input: false, audio: false } });

describe('DeviceRegistry', () => {
  it("merges every source's devices, follows hot-plug, and keeps the first owner of a duplicated id", async () => {
    const registry = new DeviceRegistry(createLogger({ app: 'test', level: 'silent' }));
    const events: string[] = [];
    registry.on('added', (d) => events.push(`+${d.id}`));
    registry.on('removed', (id) => events.push(`-${id}`));
    const android = new ListSource('android');
    const desktop = new ListSource('desktop');
    desktop.devices.push(info('desktop-0', 'desktop'));
    registry.addSource(android);
    registry.addSource(desktop);
    android.plug(info('phone-b', 'android'));
    android.plug(info('phone-a', 'android'));
    desktop.plug(info('phone-a', 'desktop'));
    await new Promise((r) => setImmediate(r));
    expect(registry.list().map((d) => `${d.id}:${d.kind}`)).toEqual(['desktop-0:desktop', 'phone-a:android', 'phone-b:android']);
    expect(registry.get('phone-a')?.source).toBe(android);
    desktop.unplug('phone-a'); // not its device: ignored
    android.unplug('phone-b');
    expect(registry.has('phone-a')).toBe(true);
    expect(registry.has('phone-b')).toBe(false);
    expect(events).toEqual(['+desktop-0', '+phone-b', '+phone-a', '-phone-b']);
  });
});
