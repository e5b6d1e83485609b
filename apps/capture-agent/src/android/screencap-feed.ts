import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { CaptureFeed } from '../devices/device-source';

export interface ScreencapFeedOptions {
  /** One `screencap -p` (exec:): the PNG bytes. */
  capture: () => Promise<Buffer>;
  devicePresent: () => boolean;
  /** Time between the starts of two captures (a capture taking longer is followed at once). */
  intervalMs: number;
  /** Captures that fail in a row before the feed ends. */
  maxFailures: number;
  onLog?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** PNG frames piped to FFmpeg, stamped on arrival (they come at the polling rate, which the device's speed limits). */
export const SCREENCAP_INPUT_ARGS = ['-f', 'image2pipe', '-c:v', 'png', '-use_wallclock_as_timestamps', '1', '-i', 'pipe:0'];

/**
 * The slow fallback where screenrecord is missing: `screencap -p` polled,
 * each PNG written whole to stdin (FFmpeg's image2pipe splits them). A
 * rotated device simply gives frames of another size; the capture output's
 * scale+pad keeps the published size constant.
 */
export class ScreencapFeed extends EventEmitter implements CaptureFeed {
  readonly inputArgs = SCREENCAP_INPUT_ARGS;
  readonly videoIsH264 = false;
  readonly stdin = new PassThrough({ highWaterMark: 8 * 1024 * 1024 });
  frames = 0;
  private stopped = false;
  private failures = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: ScreencapFeedOptions) {
    super();
  }

  /** Takes the first picture; rejects when even that fails. */
  async start(): Promise<void> {
    const png = await this.options.capture();
    if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('screencap did not return a PNG');
    this.push(png);
    this.schedule(this.options.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.stdin.end();
  }

  end(reason: string): void {
    if (this.stopped) return;
    void this.stop();
    this.emit('ended', reason);
  }

  private schedule(delayMs: number): void {
    if (!this.stopped) this.timer = setTimeout(() => void this.poll(), Math.max(0, delayMs));
  }

  private async poll(): Promise<void> {
    const started = Date.now();
    try {
      const png = await this.options.capture();
      if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('screencap did not return a PNG');
      this.failures = 0;
      // A consumer that does not keep up gets fewer frames rather than a growing queue.
      if (this.stdin.writableLength < this.stdin.writableHighWaterMark) this.push(png);
    } catch (error) {
      if (this.stopped) return;
      if (!this.options.devicePresent()) return this.end('device unplugged');
      this.failures++;
      this.options.onLog?.('warn', 'screencap failed', { reason: (error as Error).message, failures: this.failures });
      if (this.failures >= this.options.maxFailures) return this.end(`screencap failed ${this.failures} times in a row: ${(error as Error).message}`);
    }
    this.schedule(this.options.intervalMs - (Date.now() - started));
  }

  private push(png: Buffer): void {
    if (this.stopped) return;
    this.frames++;
    this.stdin.write(png);
  }
}
