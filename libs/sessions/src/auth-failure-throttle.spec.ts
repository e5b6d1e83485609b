import { AuthFailureThrottle } from './auth-failure-throttle';

describe('AuthFailureThrottle', () => {
  let now = 0;
  const throttle = (): AuthFailureThrottle =>
    new AuthFailureThrottle({ baseDelayMs: 500, maxDelayMs: 4000, maxFailures: 5, forgetAfterMs: 60_000, maxAddresses: 3, now: () => now });

  beforeEach(() => {
    now = 0;
  });

  it('answers an address without failures at once', () => {
    expect(throttle().verdict('10.0.0.1')).toEqual({ delayMs: 0, blocked: false });
  });

  it('doubles the delay with each failure up to the cap, then refuses outright', () => {
    const t = throttle();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      t.recordFailure('10.0.0.1');
      delays.push(t.verdict('10.0.0.1').delayMs);
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    expect(t.verdict('10.0.0.1').blocked).toBe(true);
    expect(t.verdict('10.0.0.2')).toEqual({ delayMs: 0, blocked: false });
  });

  it('tells a caller that cannot wait how long until the delay since the last failure has passed', () => {
    const t = throttle();
    expect(t.retryAfterMs('10.0.0.1')).toBe(0);
    t.recordFailure('10.0.0.1');
    expect(t.retryAfterMs('10.0.0.1')).toBe(500);
    now += 300;
    expect(t.retryAfterMs('10.0.0.1')).toBe(200);
    t.recordFailure('10.0.0.1');
    expect(t.retryAfterMs('10.0.0.1')).toBe(1000);
    now += 1000;
    expect(t.retryAfterMs('10.0.0.1')).toBe(0);
    expect(t.retryAfterMs('10.0.0.2')).toBe(0);
  });

  it('treats an IPv4-mapped IPv6 address as the same peer', () => {
    const t = throttle();
    t.recordFailure('::ffff:10.0.0.1');
    expect(t.verdict('10.0.0.1').delayMs).toBe(500);
  });

  it('forgets an address after a quiet window, and at once after a success', () => {
    const t = throttle();
    t.recordFailure('a');
    t.recordFailure('b');
    now = 60_001;
    expect(t.verdict('a').delayMs).toBe(0);
    t.recordSuccess('b');
    expect(t.verdict('b').delayMs).toBe(0);
  });

  it('keeps its table bounded, evicting the address that failed longest ago', () => {
    const t = throttle();
    for (const a of ['a', 'b', 'c', 'd']) t.recordFailure(a);
    expect(t.verdict('a').delayMs).toBe(0);
    expect(t.verdict('d').delayMs).toBe(500);
  });

  it('lets an address have only a few attempts in flight at once', () => {
    const t = new AuthFailureThrottle({ baseDelayMs: 500, maxDelayMs: 4000, maxFailures: 5, forgetAfterMs: 60_000, maxPending: 2 });
    expect(t.begin('10.0.0.9')).toBe(true);
    expect(t.begin('::ffff:10.0.0.9')).toBe(true);
    expect(t.begin('10.0.0.9')).toBe(false);
    expect(t.begin('b')).toBe(true);
    t.finish('10.0.0.9');
    expect(t.begin('10.0.0.9')).toBe(true);
  });
});
