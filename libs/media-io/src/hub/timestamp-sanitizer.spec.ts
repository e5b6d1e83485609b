import fc from 'fast-check';
import { TimestampSanitizer, type TimestampCorrection } from './timestamp-sanitizer';

/** A 25 fps track fed in real time: `timestamps[i]` arrives at i × 40 ms of wall clock. */
function feed(timestamps: number[], options: { frameMs?: number; jumpThresholdMs?: number } = {}) {
  const frameMs = options.frameMs ?? 40;
  let clock = 0;
  const sanitizer = new TimestampSanitizer({ jumpThresholdMs: options.jumpThresholdMs ?? 2000, now: () => clock });
  const out: number[] = [];
  const corrections: Array<TimestampCorrection | undefined> = [];
  timestamps.forEach((t, i) => {
    clock = i * frameMs;
    const result = sanitizer.next(t);
    out.push(result.timestamp);
    corrections.push(result.correction);
  });
  return { out, corrections };
}

const steady = (from: number, count: number, step = 40) => Array.from({ length: count }, (_, i) => from + i * step);
const steps = (values: number[]) => values.slice(1).map((v, i) => v - (values[i] as number));

describe('TimestampSanitizer', () => {
  it('passes a clean timeline through untouched', () => {
    const input = steady(1000, 100);
    const { out, corrections } = feed(input);
    expect(out).toEqual(input);
    expect(corrections.every((c) => c === undefined)).toBe(true);
  });

  it('rebases a jump forward by an hour: the timeline goes on one frame later, once corrected', () => {
    const input = [...steady(0, 50), ...steady(2000 + 3_600_000, 50)];
    const { out, corrections } = feed(input);
    expect(steps(out).every((s) => s === 40)).toBe(true);
    expect(corrections.filter(Boolean)).toEqual(['forward_jump']);
  });

  it('rebases a jump back by 8 s', () => {
    const input = [...steady(10_000, 50), ...steady(4000, 50)];
    const { out, corrections } = feed(input);
    expect(steps(out).every((s) => s === 40)).toBe(true);
    expect(corrections.filter(Boolean)).toEqual(['backward_jump']);
  });

  it('keeps a real gap (nothing sent for 10 s, then timestamps 10 s later) as it is', () => {
    let clock = 0;
    const sanitizer = new TimestampSanitizer({ jumpThresholdMs: 2000, now: () => clock });
    sanitizer.next(0);
    clock = 10_000;
    expect(sanitizer.next(10_000)).toEqual({ timestamp: 10_000 });
  });

  it('synthesizes steps for all-zero timestamps from the arrival spacing', () => {
    const { out, corrections } = feed(new Array(50).fill(0));
    expect(steps(out).every((s) => s === 40)).toBe(true);
    expect(corrections.slice(1).every((c) => c === 'constant')).toBe(true);
  });

  it('holds small steps back just after the previous frame (per-frame jitter)', () => {
    const input = steady(0, 60).map((t, i) => t + (i % 2 === 0 ? 30 : -30));
    const { out } = feed(input);
    expect(steps(out).every((s) => s >= 1)).toBe(true);
    expect(out.at(-1)).toBeGreaterThanOrEqual((input.at(-1) as number) - 40);
  });

  it('learns the frame step from clean frames only, so frozen timestamps after a jittery stretch still advance at about the frame rate', () => {
    const jittery = steady(2000, 50).map((t, i) => t + (i % 2 === 0 ? 25 : -25));
    const { out } = feed([...steady(0, 50), ...jittery, ...new Array(50).fill(0)]);
    // Held frames would have taught ~90 ms steps; the one long step into the stretch moves the average a little.
    expect(steps(out.slice(-50)).every((s) => Math.abs(s - 40) <= 5)).toBe(true);
  });

  it('unwraps a 32-bit wrap and rebases a 31-bit one, both continuing one frame later', () => {
    const wrap32 = feed([...steady(2 ** 32 - 400, 10), ...steady(0, 10)]);
    expect(steps(wrap32.out.map((t, i) => (i >= 10 ? t + 2 ** 32 : t)))).toEqual(new Array(19).fill(40));
    expect(wrap32.corrections.filter(Boolean)).toEqual(['wrap']);
    const wrap31 = feed([...steady(2 ** 31 - 400, 10), ...steady(0, 10)]);
    expect(steps(wrap31.out).every((s) => s === 40)).toBe(true);
    expect(wrap31.corrections.filter(Boolean)).toEqual(['wrap']);
  });

  it('leaves decoder configurations at the current position', () => {
    let clock = 0;
    const sanitizer = new TimestampSanitizer({ jumpThresholdMs: 2000, now: () => clock });
    sanitizer.next(5000);
    clock = 40;
    sanitizer.next(5040);
    expect(sanitizer.next(0, true)).toEqual({ timestamp: 5040 });
    clock = 80;
    expect(sanitizer.next(5080)).toEqual({ timestamp: 5080 });
  });

  it('property: whatever the publisher sends, the output strictly increases, and no step outruns the wall clock by more than the threshold', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 200 })), { minLength: 2, maxLength: 300 }),
        (frames) => {
          let clock = 0;
          const sanitizer = new TimestampSanitizer({ jumpThresholdMs: 2000, now: () => clock });
          let previous: number | undefined;
          for (const [timestamp, gap] of frames) {
            clock += gap;
            const { timestamp: out } = sanitizer.next(timestamp);
            if (previous !== undefined) {
              let step = out - previous;
              if (step < -(2 ** 31)) step += 2 ** 32;
              expect(step).toBeGreaterThanOrEqual(1);
              // A step is the wall-clock gap plus at most the threshold, or a synthesized step (≤ 1 s).
              expect(step).toBeLessThanOrEqual(Math.max(gap + 2000, 1000));
            }
            previous = out;
          }
        },
      ),
    );
  });
});
