import fc from 'fast-check';
import { ADAPTIVE_RUNGS, AdaptiveQualityController, adaptiveLadder, type AdaptiveChange, type AdaptiveFeedback } from './adaptive-quality';

const q720 = { width: 1280, height: 720, fps: 30, bitrateKbps: 2500 };

/** Receiver reports once a second (mediasoup's video RR interval) with the given loss, from `fromMs` for `seconds`. */
function reports(fromMs: number, seconds: number, fractionLost: number, extra: Partial<AdaptiveFeedback> = {}, everyMs = 1000): AdaptiveFeedback[] {
  return Array.from({ length: Math.floor((seconds * 1000) / everyMs) }, (_, i) => ({ atMs: fromMs + (i + 1) * everyMs, fractionLost, ...extra }));
}

function run(controller: AdaptiveQualityController, feedback: AdaptiveFeedback[]): Array<AdaptiveChange & { atMs: number }> {
  const out: Array<AdaptiveChange & { atMs: number }> = [];
  for (const f of feedback) {
    const change = controller.onFeedback(f);
    if (change) out.push({ ...change, atMs: f.atMs });
  }
  return out;
}

describe('adaptiveLadder', () => {
  it('is the standard ladder under a 720p30 2500 kb/s capture', () => {
    expect(adaptiveLadder(q720)).toEqual(ADAPTIVE_RUNGS);
  });

  it('caps the ladder at the requested quality and keeps its aspect', () => {
    const portrait = adaptiveLadder({ width: 720, height: 1280, fps: 30, bitrateKbps: 1500 });
    expect(portrait[0]).toEqual({ width: 720, height: 1280, fps: 30, bitrateKbps: 1500 });
    expect(portrait.map((r) => r.bitrateKbps)).toEqual([1500, 1200, 800, 500, 300]);
    expect(portrait[1]).toEqual({ width: 304, height: 540, fps: 30, bitrateKbps: 1200 });
    expect(adaptiveLadder({ width: 640, height: 360, fps: 30, bitrateKbps: 800 }).map((r) => `${r.height}p${r.fps}@${r.bitrateKbps}`)).toEqual([
      '360p30@800',
      '360p30@500',
      '360p15@300',
    ]);
  });
});

describe('AdaptiveQualityController', () => {
  describe('when 10% loss starts and lasts', () => {
    it('steps down within about 2 s of the loss starting', () => {
      const c = new AdaptiveQualityController(adaptiveLadder(q720));
      const changes = run(c, [...reports(0, 5, 0), ...reports(5000, 3, 0.1)]);
      expect(changes[0]).toMatchObject({ direction: 'down', step: 1, to: { height: 720, bitrateKbps: 1800 } });
      // The loss starts after 5 s (first lossy report at 6 s): the step comes with the second lossy report.
      expect(changes[0]?.atMs).toBe(7000);
      expect((changes[0]?.atMs ?? Infinity) - 5000).toBeLessThanOrEqual(2000);
    });

    it('goes down one rung at a time, never skipping one, until the bottom', () => {
      const c = new AdaptiveQualityController(adaptiveLadder(q720));
      const changes = run(c, reports(0, 30, 0.1, {}, 250));
      expect(changes.map((ch) => ch.step)).toEqual([1, 2, 3, 4, 5]);
      for (const ch of changes) {
        expect(ch.from).toEqual(ADAPTIVE_RUNGS[ch.step - 1]);
        expect(ch.to).toEqual(ADAPTIVE_RUNGS[ch.step]);
      }
      expect(c.current).toEqual({ width: 640, height: 360, fps: 15, bitrateKbps: 300 });
      // Settling between steps: at least settleMs (1.5 s) apart, so the new rate shows before the next judgement.
      for (let i = 1; i < changes.length; i++) expect((changes[i]?.atMs ?? 0) - (changes[i - 1]?.atMs ?? 0)).toBeGreaterThanOrEqual(1500);
    });
  });

  it('keeps a loss streak across feedback of other kinds in between (REMB every 200 ms, RR every second)', () => {
    const c = new AdaptiveQualityController(adaptiveLadder(q720));
    const mixed: AdaptiveFeedback[] = [];
    for (let t = 200; t <= 3000; t += 200) mixed.push(t % 1000 === 0 ? { atMs: t, fractionLost: 0.1 } : { atMs: t, estimateKbps: 5000 }, { atMs: t });
    expect(run(c, mixed).map((ch) => [ch.direction, ch.atMs])).toEqual([['down', 2000]]);
  });

  it('ignores a single lossy report (a burst is not a trend)', () => {
    const c = new AdaptiveQualityController(adaptiveLadder(q720));
    expect(run(c, [...reports(0, 3, 0), { atMs: 3500, fractionLost: 0.3 }, ...reports(4000, 10, 0)])).toEqual([]);
  });

  it('climbs back one rung at a time only after a stable period, slower after a failed climb', () => {
    const c = new AdaptiveQualityController(adaptiveLadder(q720), { upAfterMs: 5000 });
    run(c, reports(0, 4, 0.1)); // two steps down
    expect(c.step).toBe(2);
    // Loss stops: nothing for 5 s, then one rung up, then another after 5 more good seconds.
    const recovery = run(c, reports(4000, 12, 0));
    expect(recovery.map((ch) => [ch.direction, ch.step, ch.atMs])).toEqual([
      ['up', 1, 10_000],
      ['up', 0, 16_000],
    ]);
  });

  it('does not climb while loss sits between the thresholds (hysteresis)', () => {
    const c = new AdaptiveQualityController(adaptiveLadder(q720), { upAfterMs: 3000 });
    run(c, reports(0, 2, 0.1));
    expect(c.step).toBe(1);
    expect(run(c, reports(2000, 30, 0.03))).toEqual([]);
    expect(run(c, reports(32_000, 4, 0.0))).toEqual([expect.objectContaining({ direction: 'up', step: 0 })]);
  });

  it('doubles the wait before climbing after a rung had to be left again soon', () => {
    const c = new AdaptiveQualityController(adaptiveLadder(q720), { upAfterMs: 4000 });
    run(c, reports(0, 2, 0.1)); // down to 1 at 2 s
    const up = run(c, reports(2000, 5, 0)); // up at 6 s
    expect(up).toEqual([expect.objectContaining({ direction: 'up' })]);
    run(c, reports(7000, 2, 0.1)); // down again at 9 s: soon after the climb
    expect(c.step).toBe(1);
    expect(run(c, reports(9000, 7, 0))).toEqual([]); // 4 s is no longer enough
    expect(run(c, reports(16_000, 2, 0))).toEqual([expect.objectContaining({ direction: 'up' })]); // 8 s is
  });

  it('steps down on a low bandwidth estimate or a long RTT, and climbs only when the estimate has room', () => {
    const byEstimate = new AdaptiveQualityController(adaptiveLadder(q720), { upAfterMs: 3000 });
    expect(run(byEstimate, reports(0, 2, 0, { estimateKbps: 1000 })).map((c) => c.reason)).toEqual(['estimate 1000 kb/s']);
    expect(run(byEstimate, reports(2000, 10, 0, { estimateKbps: 2000 }))).toEqual([]); // 2000 < 1.15 × 2500
    expect(run(byEstimate, reports(12_000, 4, 0, { estimateKbps: 3000 }))).toHaveLength(1);
    const byRtt = new AdaptiveQualityController(adaptiveLadder(q720));
    expect(run(byRtt, reports(0, 2, 0, { rttMs: 600 })).map((c) => c.reason)).toEqual(['rtt 600 ms']);
  });

  it('never moves more than one rung per change and stays on the ladder, whatever the feedback (property)', () => {
    const feedback = fc.array(
      fc.record({
        gap: fc.integer({ min: 1, max: 3000 }),
        fractionLost: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
        rttMs: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined }),
        estimateKbps: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: undefined }),
      }),
      { maxLength: 300 },
    );
    fc.assert(
      fc.property(feedback, (items) => {
        const c = new AdaptiveQualityController(adaptiveLadder(q720));
        let at = 0;
        let lastChangeAt = -Infinity;
        for (const { gap, ...f } of items) {
          at += gap;
          const before = c.step;
          const change = c.onFeedback({ atMs: at, ...f });
          expect(Math.abs(c.step - before)).toBeLessThanOrEqual(1);
          expect(c.step).toBeGreaterThanOrEqual(0);
          expect(c.step).toBeLessThan(ADAPTIVE_RUNGS.length);
          if (change) {
            expect(at - lastChangeAt).toBeGreaterThanOrEqual(1500);
            lastChangeAt = at;
          }
        }
      }),
    );
  });

  it('refuses an up threshold above the down threshold', () => {
    expect(() => new AdaptiveQualityController(adaptiveLadder(q720), { upLoss: 0.1, downLoss: 0.05 })).toThrow(/hysteresis/);
  });
});
