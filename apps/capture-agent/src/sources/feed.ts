import { EventEmitter } from 'node:events';
import type { CaptureFeed } from '../devices/device-source';

/**
 * A feed that FFmpeg produces itself from its inputs (lavfi, x11grab, v4l2): nothing runs on the device side, so
 * stopping is a no-op and the feed ends only when the source says so (display or camera gone).
 */
export class FfmpegInputFeed extends EventEmitter implements CaptureFeed {
  private ended = false;

  constructor(
    readonly inputArgs: string[],
    readonly videoIsH264 = false,
  ) {
    super();
  }

  /** The source saw the device go: tell the session once. */
  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.emit('ended', reason);
  }

  stop(): Promise<void> {
    this.ended = true;
    return Promise.resolve();
  }
}

/** Device ids are `[A-Za-z0-9_-]{1,64}`: anything else becomes `-`, long names are cut. */
export function deviceIdPart(text: string, max = 40): string {
  return (
    text
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, max) || 'x'
  );
}
