import { Injectable } from '@nestjs/common';

/** A wait for the next origin change of one stream; `cancel` when no longer waiting. */
export interface OriginChangeWait {
  changed: Promise<void>;
  cancel(): void;
}

/**
 * Lets a request waiting on a stream's origin learn that another worker now
 * serves the stream (a takeover was announced), so it can ask the new worker
 * instead of waiting out the old, hung one's timeout.
 */
@Injectable()
export class OriginChanges {
  private readonly waiting = new Map<string, Set<() => void>>();

  next(streamId: string): OriginChangeWait {
    let wake!: () => void;
    const changed = new Promise<void>((resolve) => (wake = resolve));
    const set = this.waiting.get(streamId) ?? new Set();
    set.add(wake);
    this.waiting.set(streamId, set);
    return {
      changed,
      cancel: () => {
        set.delete(wake);
        if (set.size === 0 && this.waiting.get(streamId) === set) this.waiting.delete(streamId);
      },
    };
  }

  notify(streamId: string): void {
    const set = this.waiting.get(streamId);
    if (!set) return;
    this.waiting.delete(streamId);
    for (const wake of set) wake();
  }

  /** Streams with requests waiting (bounded by the requests in flight). */
  get size(): number {
    return this.waiting.size;
  }
}
