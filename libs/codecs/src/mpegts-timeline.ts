import { MPEGTS_TICKS_PER_MS, MPEGTS_TIMESTAMP_MODULUS } from './mpegts-constants';

/**
 * A DTS step back on one PID of more than this is a new time base (looped file, encoder restart),
 * not jitter: DTS never go back within a stream, so even a short step back is re-based rather than
 * clamped (clamping would stack a second of frames onto one timestamp).
 */
const MAX_BACKWARD_MS = 1000;

interface PidClock {
  /** Last DTS handed out for the PID, in output ms. */
  lastMs: number;
  /** Last positive step between DTS of the PID, used to place the first frame after a re-base. */
  stepMs: number;
}

/**
 * Turns 33-bit 90 kHz PTS/DTS values of one program into a continuous,
 * per-PID monotonic millisecond timeline.
 *
 * - Wrap: each value is unwrapped to the 2^33 multiple closest to the last
 *   value seen on any PID, so the 26.5-hour wrap is invisible.
 * - Discontinuity: when asked to (discontinuity_indicator, PCR jump) or when
 *   a PID's DTS jumps forward by more than `maxJumpMs` or back by more than
 *   1 s (MAX_BACKWARD_MS), the offset of
 *   the whole program is re-based so that PID continues one frame step
 *   after its last DTS; the other PIDs, whose raw values jumped by the same
 *   amount, then continue too, keeping A/V sync. Each re-base is counted.
 * - Smaller steps back on one PID (encoder bugs, bit errors) are clamped to
 *   its last DTS: output DTS never go backwards per PID.
 *
 * Output starts at 0 for the first DTS seen; a PID that starts slightly
 * earlier than that (e.g. B-frame video after audio) gets small negative
 * values, which callers that need unsigned times shift or clamp.
 */
export class MpegTsTimeline {
  private lastTicks: number | undefined;
  private baseTicks: number | undefined;
  private offsetMs = 0;
  private pendingRebase = false;
  private lastAnyMs: number | undefined;
  private readonly clocks = new Map<number, PidClock>();
  discontinuities = 0;

  constructor(private readonly maxJumpMs: number) {}

  /** The next timestamp on any PID starts a new time base (discontinuity_indicator, PCR jump). */
  markDiscontinuity(): void {
    this.pendingRebase = true;
  }

  /** Unwraps a 33-bit value against the last one seen, without touching per-PID state. */
  unwrap(ticks: number): number {
    const last = this.lastTicks;
    const ext = last === undefined ? ticks : ticks + Math.round((last - ticks) / MPEGTS_TIMESTAMP_MODULUS) * MPEGTS_TIMESTAMP_MODULUS;
    this.lastTicks = ext;
    return ext;
  }

  /** Output DTS and PTS in ms for a PES of `pid` with raw 33-bit DTS/PTS ticks. */
  map(pid: number, dtsTicks: number, ptsTicks: number): { dtsMs: number; ptsMs: number } {
    const ext = this.unwrap(dtsTicks);
    if (this.baseTicks === undefined) this.baseTicks = ext;
    let dtsMs = (ext - this.baseTicks) / MPEGTS_TICKS_PER_MS + this.offsetMs;
    const clock = this.clocks.get(pid);
    const reference = clock?.lastMs ?? this.lastAnyMs;
    if (reference !== undefined) {
      const jump = dtsMs - reference;
      if (this.pendingRebase || jump > this.maxJumpMs || jump < -Math.min(this.maxJumpMs, MAX_BACKWARD_MS)) {
        const target = reference + (clock?.stepMs ?? 0);
        this.offsetMs += target - dtsMs;
        dtsMs = target;
        this.pendingRebase = false;
        this.discontinuities++;
      }
    }
    if (clock !== undefined) {
      if (dtsMs < clock.lastMs) dtsMs = clock.lastMs;
      else if (dtsMs > clock.lastMs) clock.stepMs = dtsMs - clock.lastMs;
      clock.lastMs = dtsMs;
    } else {
      this.clocks.set(pid, { lastMs: dtsMs, stepMs: 0 });
    }
    this.lastAnyMs = dtsMs;
    // PTS - DTS as a signed 33-bit difference; a negative or absurd one (bit errors) collapses to PTS = DTS.
    let cto = (((ptsTicks - dtsTicks) % MPEGTS_TIMESTAMP_MODULUS) + MPEGTS_TIMESTAMP_MODULUS) % MPEGTS_TIMESTAMP_MODULUS;
    if (cto >= MPEGTS_TIMESTAMP_MODULUS / 2) cto -= MPEGTS_TIMESTAMP_MODULUS;
    const ctoMs = cto / MPEGTS_TICKS_PER_MS;
    return { dtsMs, ptsMs: ctoMs > 0 && ctoMs <= this.maxJumpMs ? dtsMs + ctoMs : dtsMs };
  }

  /** The next DTS a PID without a timestamp of its own would get (its last DTS). */
  lastMs(pid: number): number | undefined {
    return this.clocks.get(pid)?.lastMs;
  }

  /** Forgets a PID (removed from the PMT). */
  forget(pid: number): void {
    this.clocks.delete(pid);
  }
}
