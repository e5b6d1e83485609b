import { EventEmitter } from 'node:events';
import type { Logger } from '@mediaplane/observability';
import type { CaptureFeed, CaptureQuality, DeviceInfo, DeviceKind, DeviceSource } from '../devices/device-source';
import { FfmpegInputFeed } from './feed';

/**
 * A source whose devices are found by looking (displays, cameras): every
 * `intervalMs` it discovers the current set, announces what came and went,
 * and ends the feeds of devices that went so their sessions switch to the slate.
 */
export abstract class PolledDeviceSource<Extra> extends EventEmitter implements DeviceSource {
  abstract readonly kind: DeviceKind;
  private readonly devices = new Map<string, { info: DeviceInfo; extra: Extra }>();
  private readonly feeds = new Map<string, Set<FfmpegInputFeed>>();
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private stopped = false;

  protected constructor(
    protected readonly logger: Logger,
    private readonly intervalMs: number,
  ) {
    super();
  }

  /** The devices present now, with what openCapture needs. Must not throw for an absent device. */
  protected abstract discover(): Promise<Array<{ info: DeviceInfo; extra: Extra }>>;

  /** FFmpeg input arguments for one capture of a present device. */
  protected abstract inputArgs(info: DeviceInfo, extra: Extra, quality: CaptureQuality): string[];

  async start(): Promise<void> {
    this.stopped = false;
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.polling;
  }

  list(): DeviceInfo[] {
    return [...this.devices.values()].map((d) => d.info);
  }

  openCapture(deviceId: string, quality: CaptureQuality): Promise<CaptureFeed> {
    const entry = this.devices.get(deviceId);
    if (!entry) return Promise.reject(new Error(`device ${deviceId} is not present`));
    const feed = new FfmpegInputFeed(this.inputArgs(entry.info, entry.extra, quality));
    const set = this.feeds.get(deviceId) ?? new Set();
    set.add(feed);
    this.feeds.set(deviceId, set);
    feed.once('ended', () => set.delete(feed));
    return Promise.resolve(feed);
  }

  /** One discovery round now (also used by tests); overlapping calls share the round. */
  poll(): Promise<void> {
    this.polling ??= this.discoverOnce().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async discoverOnce(): Promise<void> {
    let found: Array<{ info: DeviceInfo; extra: Extra }>;
    try {
      found = await this.discover();
    } catch (error) {
      this.logger.warn({ err: error, source: this.kind }, 'device discovery failed; keeping the last list');
      return;
    }
    if (this.stopped) return;
    const seen = new Set(found.map((d) => d.info.id));
    for (const [id] of this.devices) {
      if (seen.has(id)) continue;
      this.devices.delete(id);
      for (const feed of this.feeds.get(id) ?? []) feed.end('device gone');
      this.feeds.delete(id);
      this.emit('removed', id);
    }
    for (const entry of found) {
      const before = this.devices.get(entry.info.id);
      this.devices.set(entry.info.id, entry);
      if (!before || JSON.stringify(before.info) !== JSON.stringify(entry.info)) this.emit('added', entry.info);
    }
  }
}
