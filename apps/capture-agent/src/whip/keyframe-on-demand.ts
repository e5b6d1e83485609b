export interface KeyframeOnDemandOptions {
  /**
   * A request is left to the source when its next keyframe is due within this
   * long (its last keyframe plus its last measured interval): a re-encoded run
   * (a keyframe every 2 s) is never asked, a device's 10 s GOP is.
   */
  maxWaitMs: number;
  /** At most one ask this often: a burst of joining viewers (or one viewer's repeated PLIs) costs one. */
  minIntervalMs: number;
  /**
   * A request this soon after a keyframe went out is taken as answered by it:
   * the receiver asked before that keyframe reached it (default 1000 ms).
   */
  settleMs?: number;
  /**
   * How late the source's own keyframe may be and still be waited for (default 500 ms). Later than
   * that, its GOP is not what was measured (screenrecord makes frames only when the screen changes, so
   * its keyframes drift late on a quiet screen or a loaded machine) and the request is asked.
   */
  overdueGraceMs?: number;
}

export type KeyframeDecision =
  /** Ask for a keyframe now: from the device (a seamless hand-over) or by a new run, which begins with one. */
  | { action: 'ask' }
  /**
   * A keyframe answers it already: a new run's first (still to come — a
   * restart leaves a gap, and receivers ask again during it) or one that just
   * went out. Asking again on these fed a loop of gaps and requests.
   */
  | { action: 'answered' }
  /** The source's own keyframe is due soon enough: ask at `retryAtMs` if it has not gone out by then. */
  | { action: 'wait'; dueInMs: number; retryAtMs: number }
  /** A keyframe was asked for lately: ask again at `retryAtMs` if none has gone out since this request. */
  | { action: 'later'; retryAtMs: number };

/**
 * When to answer a receiver's keyframe request (PLI or FIR) for a publisher
 * whose encoder cannot simply be told (FFmpeg ignores PLI; screenrecord has no
 * such call, only a new run begins with one): not when the source's own
 * keyframe is due soon, a new run's first keyframe is on its way, or one was
 * asked for lately. Times are the caller's clock (ms), so the decisions are
 * testable without waiting.
 */
export class KeyframeOnDemand {
  private lastKeyframeAtMs?: number;
  private intervalMs?: number;
  private lastRestartAtMs = Number.NEGATIVE_INFINITY;
  /** A new run started and its first keyframe has not gone out yet. */
  private awaitingKeyframe = false;

  constructor(private readonly options: KeyframeOnDemandOptions) {}

  /** A keyframe went out to the receiver. */
  keyframeSent(atMs: number): void {
    // Packets of one keyframe (or a keyframe repeated within a frame time) are one keyframe.
    if (this.lastKeyframeAtMs !== undefined && atMs - this.lastKeyframeAtMs < 100) return;
    // The interval is the source's GOP only between two keyframes of one run.
    if (this.lastKeyframeAtMs !== undefined && !this.awaitingKeyframe) this.intervalMs = atMs - this.lastKeyframeAtMs;
    this.lastKeyframeAtMs = atMs;
    this.awaitingKeyframe = false;
  }

  /**
   * A new run starts — of the publish FFmpeg, or of the device's encoder (screenrecord's hand-over): its first
   * keyframe is coming and its GOP is not known yet.
   */
  newRunStarting(atMs: number): void {
    this.lastRestartAtMs = atMs;
    this.intervalMs = undefined;
    this.awaitingKeyframe = true;
  }

  /** Whether the run already sent a keyframe after `sinceMs` (for a deferred request). */
  keyframeSince(sinceMs: number): boolean {
    return this.lastKeyframeAtMs !== undefined && this.lastKeyframeAtMs >= sinceMs;
  }

  request(atMs: number): KeyframeDecision {
    if (this.awaitingKeyframe) return { action: 'answered' };
    if (this.lastKeyframeAtMs !== undefined && atMs - this.lastKeyframeAtMs < (this.options.settleMs ?? 1000)) return { action: 'answered' };
    const retryAtMs = this.lastRestartAtMs + this.options.minIntervalMs;
    if (atMs < retryAtMs) return { action: 'later', retryAtMs };
    if (this.lastKeyframeAtMs !== undefined && this.intervalMs !== undefined) {
      const dueAtMs = this.lastKeyframeAtMs + this.intervalMs;
      const graceMs = this.options.overdueGraceMs ?? 500;
      const dueInMs = dueAtMs - atMs;
      // Not waited for without end: a keyframe more than the grace late is asked for, now or at the retry.
      if (dueInMs <= this.options.maxWaitMs && dueInMs > -graceMs) return { action: 'wait', dueInMs: Math.max(0, dueInMs), retryAtMs: dueAtMs + graceMs };
    }
    return { action: 'ask' };
  }
}
