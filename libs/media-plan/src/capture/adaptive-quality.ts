import type { CaptureQualityPlan } from './capture-args';

/**
 * Adaptive quality for the capture agent's WebRTC (WHIP) path: receiver
 * feedback in, a target {bitrate, size, fps} out, moved one rung of a ladder
 * at a time with hysteresis. Pure (the caller passes the clock), so its specs
 * replay synthetic feedback sequences and the agent, tests and benches share it.
 *
 * Down: a feedback is *bad* when its loss fraction is at least `downLoss`,
 * its RTT at least `downRttMs`, or the receiver's bandwidth estimate (REMB /
 * TWCC) is below `downEstimateRatio` × the current bitrate. When bad feedback
 * has lasted `downAfterMs` (two receiver reports about a second apart), the
 * target steps one rung down; after a step the next one waits `settleMs`, so
 * the encoder's new rate shows in the feedback before it is judged again.
 * Up: only when every feedback for `upAfterMs` was *good* (loss below
 * `upLoss` — well under `downLoss`, that gap is the hysteresis — RTT below
 * `downRttMs`, any estimate at least `upEstimateRatio` × the next rung's
 * bitrate). A rung that had to be left again soon after climbing to it
 * (within `upAfterMs`) doubles the wait before the next climb, up to
 * `maxUpAfterMs`, so a link at the edge of a rung does not oscillate.
 * Never more than one rung per decision: no 720p → 360p jumps.
 */

export interface AdaptiveFeedback {
  /** Monotonic time of the feedback, ms. */
  atMs: number;
  /** Fraction of packets lost since the previous report (RTCP RR), 0..1. */
  fractionLost?: number;
  /** Round-trip time, ms (RR LSR/DLSR). */
  rttMs?: number;
  /** Receiver's bandwidth estimate, kb/s (REMB, or a TWCC-based sender estimate). */
  estimateKbps?: number;
}

export interface AdaptiveQualityOptions {
  downLoss: number;
  upLoss: number;
  downRttMs: number;
  downEstimateRatio: number;
  upEstimateRatio: number;
  downAfterMs: number;
  settleMs: number;
  upAfterMs: number;
  maxUpAfterMs: number;
}

export const DEFAULT_ADAPTIVE_OPTIONS: AdaptiveQualityOptions = {
  downLoss: 0.05,
  upLoss: 0.02,
  downRttMs: 400,
  downEstimateRatio: 0.8,
  upEstimateRatio: 1.15,
  downAfterMs: 900,
  settleMs: 1500,
  upAfterMs: 8000,
  maxUpAfterMs: 60_000,
};

/** The standard 16:9 rungs, best first; a capture's own quality caps the ladder it adapts on. */
export const ADAPTIVE_RUNGS: readonly CaptureQualityPlan[] = [
  { width: 1280, height: 720, fps: 30, bitrateKbps: 2500 },
  { width: 1280, height: 720, fps: 30, bitrateKbps: 1800 },
  { width: 960, height: 540, fps: 30, bitrateKbps: 1200 },
  { width: 854, height: 480, fps: 30, bitrateKbps: 800 },
  { width: 640, height: 360, fps: 30, bitrateKbps: 500 },
  { width: 640, height: 360, fps: 15, bitrateKbps: 300 },
];

/**
 * The ladder a capture adapts on: its requested quality on top, then every
 * standard rung strictly below it in bitrate and not above it in height or
 * fps, with widths following the capture's own aspect (even pixels).
 */
export function adaptiveLadder(top: CaptureQualityPlan, rungs: readonly CaptureQualityPlan[] = ADAPTIVE_RUNGS): CaptureQualityPlan[] {
  const ladder: CaptureQualityPlan[] = [{ ...top }];
  for (const rung of rungs) {
    const last = ladder[ladder.length - 1] as CaptureQualityPlan;
    if (rung.bitrateKbps >= last.bitrateKbps || rung.height > last.height || rung.fps > last.fps) continue;
    const width = Math.max(2, Math.round((top.width * rung.height) / top.height / 2) * 2);
    ladder.push({ width, height: rung.height, fps: rung.fps, bitrateKbps: rung.bitrateKbps });
  }
  return ladder;
}

export type AdaptiveDirection = 'down' | 'up';

export interface AdaptiveChange {
  direction: AdaptiveDirection;
  from: CaptureQualityPlan;
  to: CaptureQualityPlan;
  /** Rung index after the change (0 = the top). */
  step: number;
  /** Why, for the log line: the figures that decided it. */
  reason: string;
}

export class AdaptiveQualityController {
  private readonly options: AdaptiveQualityOptions;
  private index = 0;
  private badSince?: number;
  private goodSince?: number;
  private lastChangeAt = Number.NEGATIVE_INFINITY;
  private lastUpAt = Number.NEGATIVE_INFINITY;
  private upAfterMs: number;
  private lastBad = '';

  constructor(
    readonly ladder: readonly CaptureQualityPlan[],
    options: Partial<AdaptiveQualityOptions> = {},
  ) {
    if (ladder.length === 0) throw new Error('an adaptive ladder needs at least one rung');
    this.options = { ...DEFAULT_ADAPTIVE_OPTIONS, ...options };
    if (this.options.upLoss > this.options.downLoss) throw new Error('upLoss must not exceed downLoss (hysteresis)');
    this.upAfterMs = this.options.upAfterMs;
  }

  get step(): number {
    return this.index;
  }

  get current(): CaptureQualityPlan {
    return this.ladder[this.index] as CaptureQualityPlan;
  }

  /** One receiver feedback; returns the change it causes (at most one rung), if any. */
  onFeedback(feedback: AdaptiveFeedback): AdaptiveChange | undefined {
    const now = feedback.atMs;
    // Feedback arrives per kind (an RR with loss, a REMB with an estimate, each at its own rate): one that carries no
    // figure, or only figures of other kinds, must not break a streak another kind started.
    if (feedback.fractionLost === undefined && feedback.rttMs === undefined && feedback.estimateKbps === undefined) return undefined;
    const bad = this.badness(feedback);
    if (bad) {
      this.goodSince = undefined;
      this.badSince ??= now;
      this.lastBad = bad;
      if (now - this.badSince >= this.options.downAfterMs && now - this.lastChangeAt >= this.options.settleMs) return this.down(now);
      return undefined;
    }
    if (this.badSince !== undefined && !this.clears(feedback)) return undefined;
    this.badSince = undefined;
    if (!this.isGood(feedback)) {
      // Between the thresholds: neither a reason to leave nor evidence to climb.
      this.goodSince = undefined;
      return undefined;
    }
    this.goodSince ??= now;
    if (this.index > 0 && now - this.goodSince >= this.upAfterMs && now - this.lastChangeAt >= this.upAfterMs) return this.up(now, feedback);
    return undefined;
  }

  private badness(f: AdaptiveFeedback): string | undefined {
    const o = this.options;
    if (f.fractionLost !== undefined && f.fractionLost >= o.downLoss) return `loss ${(f.fractionLost * 100).toFixed(1)}%`;
    if (f.rttMs !== undefined && f.rttMs >= o.downRttMs) return `rtt ${Math.round(f.rttMs)} ms`;
    if (f.estimateKbps !== undefined && f.estimateKbps < o.downEstimateRatio * this.current.bitrateKbps) return `estimate ${Math.round(f.estimateKbps)} kb/s`;
    return undefined;
  }

  /** Whether a not-bad feedback speaks to the kind of trouble that started the bad streak (loss, rtt, estimate). */
  private clears(f: AdaptiveFeedback): boolean {
    if (this.lastBad.startsWith('loss')) return f.fractionLost !== undefined;
    if (this.lastBad.startsWith('rtt')) return f.rttMs !== undefined;
    return f.estimateKbps !== undefined;
  }

  private isGood(f: AdaptiveFeedback): boolean {
    const o = this.options;
    if (f.fractionLost !== undefined && f.fractionLost >= o.upLoss) return false;
    const next = this.ladder[this.index - 1];
    if (f.estimateKbps !== undefined && next && f.estimateKbps < o.upEstimateRatio * next.bitrateKbps) return false;
    return true;
  }

  private down(now: number): AdaptiveChange | undefined {
    if (this.index >= this.ladder.length - 1) return undefined;
    // Left a rung soon after climbing to it: be slower to climb again.
    if (now - this.lastUpAt < this.upAfterMs * 2) this.upAfterMs = Math.min(this.options.maxUpAfterMs, this.upAfterMs * 2);
    return this.change(now, 'down', this.index + 1, this.lastBad);
  }

  private up(now: number, f: AdaptiveFeedback): AdaptiveChange {
    this.lastUpAt = now;
    const loss = f.fractionLost === undefined ? 'no loss report' : `loss ${(f.fractionLost * 100).toFixed(1)}%`;
    return this.change(now, 'up', this.index - 1, `${loss}, stable for ${Math.round((now - (this.goodSince ?? now)) / 1000)} s`);
  }

  private change(now: number, direction: AdaptiveDirection, index: number, reason: string): AdaptiveChange {
    const from = this.current;
    this.index = index;
    this.lastChangeAt = now;
    this.badSince = undefined;
    this.goodSince = undefined;
    return { direction, from, to: this.current, step: index, reason };
  }
}
