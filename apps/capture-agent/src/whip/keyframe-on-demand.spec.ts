import { KeyframeOnDemand } from './keyframe-on-demand';

describe('keyframe on demand', () => {
  const options = { maxWaitMs: 2000, minIntervalMs: 3000 };

  it('asks for a keyframe when the GOP is long (a device sending one every 10 s)', () => {
    const k = new KeyframeOnDemand(options);
    k.newRunStarting(0);
    k.keyframeSent(0);
    k.keyframeSent(10_000);
    expect(k.request(12_000)).toEqual({ action: 'ask' });
  });

  it('leaves a re-encoded run (a keyframe every 2 s) to its own keyframes', () => {
    const k = new KeyframeOnDemand(options);
    k.newRunStarting(0);
    for (let t = 0; t <= 10_000; t += 2000) k.keyframeSent(t);
    expect(k.request(11_200)).toEqual({ action: 'wait', dueInMs: 800, retryAtMs: 12_500 });
  });

  it("waits for the source's own keyframe a little past its time, then asks (a device's GOP drifts late)", () => {
    const k = new KeyframeOnDemand(options);
    k.newRunStarting(0);
    k.keyframeSent(0);
    k.keyframeSent(10_000);
    expect(k.request(19_000)).toEqual({ action: 'wait', dueInMs: 1000, retryAtMs: 20_500 });
    expect(k.request(20_300)).toEqual({ action: 'wait', dueInMs: 0, retryAtMs: 20_500 });
    // The retry, with no keyframe since: asked.
    expect(k.request(20_501)).toEqual({ action: 'ask' });
  });

  it('asks when the GOP is unknown (one keyframe since the run began)', () => {
    const k = new KeyframeOnDemand(options);
    k.newRunStarting(0);
    k.keyframeSent(50);
    expect(k.request(4000)).toEqual({ action: 'ask' });
  });

  it("takes requests until a new run's first keyframe as answered by it, however long a restart's gap", () => {
    const k = new KeyframeOnDemand(options);
    k.newRunStarting(5000);
    expect(k.request(5200)).toEqual({ action: 'answered' });
    expect(k.request(10_600)).toEqual({ action: 'answered' });
    k.keyframeSent(10_700);
    expect(k.keyframeSince(10_600)).toBe(true);
    expect(k.keyframeSince(10_800)).toBe(false);
  });

  it('takes a request just after a keyframe as answered by it (asked before it arrived)', () => {
    const k = new KeyframeOnDemand(options);
    k.newRunStarting(0);
    k.keyframeSent(200);
    expect(k.request(900)).toEqual({ action: 'answered' });
  });

  it('defers requests that come soon after an ask, to when another is allowed', () => {
    const k = new KeyframeOnDemand(options);
    k.newRunStarting(5000);
    k.keyframeSent(5400);
    expect(k.request(6500)).toEqual({ action: 'later', retryAtMs: 8000 });
    expect(k.request(8000)).toEqual({ action: 'ask' });
  });

  it("counts a keyframe's packets once, so the measured interval is the GOP", () => {
    const k = new KeyframeOnDemand(options);
    k.newRunStarting(0);
    k.keyframeSent(0);
    k.keyframeSent(10_000);
    k.keyframeSent(10_001);
    k.keyframeSent(10_040);
    expect(k.request(11_000)).toEqual({ action: 'ask' });
  });

  it('forgets the GOP when a new run starts (another quality or the slate may have another)', () => {
    const k = new KeyframeOnDemand(options);
    for (let t = 0; t <= 6000; t += 2000) k.keyframeSent(t);
    k.newRunStarting(6500);
    k.keyframeSent(6700);
    expect(k.request(10_000)).toEqual({ action: 'ask' });
  });
});
