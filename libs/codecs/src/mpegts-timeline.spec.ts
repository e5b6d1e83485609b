import { MpegTsTimeline } from './mpegts-timeline';

const WRAP = 2 ** 33;

describe('MpegTsTimeline', () => {
  it('starts at 0 and follows 90 kHz ticks in ms', () => {
    const t = new MpegTsTimeline(10_000);
    expect(t.map(1, 900_000, 900_000 + 3600)).toEqual({ dtsMs: 0, ptsMs: 40 });
    expect(t.map(1, 903_600, 903_600)).toEqual({ dtsMs: 40, ptsMs: 40 });
  });

  it('unwraps the 33-bit counter, PTS included', () => {
    const t = new MpegTsTimeline(10_000);
    t.map(1, WRAP - 1800, WRAP - 1800);
    expect(t.map(1, 1800, 5400)).toEqual({ dtsMs: 40, ptsMs: 80 });
    expect(t.map(1, WRAP - 900, 900)).toEqual({ dtsMs: 40, ptsMs: 60 }); // late one from before the wrap: clamped
  });

  it('re-bases a jump over the bound to one frame step and counts it', () => {
    const t = new MpegTsTimeline(10_000);
    t.map(1, 0, 0);
    t.map(1, 3600, 3600);
    expect(t.map(1, 90_000 * 3600, 90_000 * 3600).dtsMs).toBe(80);
    expect(t.map(2, 90_000 * 3600 + 900, 90_000 * 3600 + 900).dtsMs).toBe(90); // the other PID follows the same offset
    expect(t.discontinuities).toBe(1);
  });

  it('re-bases on request even for a small jump', () => {
    const t = new MpegTsTimeline(10_000);
    t.map(1, 0, 0);
    t.map(1, 3600, 3600);
    t.markDiscontinuity();
    expect(t.map(1, 90_000 * 5, 90_000 * 5).dtsMs).toBe(80);
    expect(t.discontinuities).toBe(1);
  });

  it('never goes backwards on a PID and keeps PTS >= DTS', () => {
    const t = new MpegTsTimeline(10_000);
    t.map(1, 9000, 9000);
    expect(t.map(1, 8100, 0)).toEqual({ dtsMs: 0, ptsMs: 0 });
  });

  it('re-bases a step back of more than a second (looped source) instead of stacking frames', () => {
    const t = new MpegTsTimeline(10_000);
    t.map(1, 90_000 * 5, 90_000 * 5);
    t.map(1, 90_000 * 5 + 3600, 90_000 * 5 + 3600);
    expect(t.map(1, 0, 0).dtsMs).toBe(80);
    expect(t.map(1, 3600, 3600).dtsMs).toBe(120);
    expect(t.discontinuities).toBe(1);
  });
});
