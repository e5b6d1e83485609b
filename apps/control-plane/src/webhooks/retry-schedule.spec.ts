import { retryDelayMs } from './retry-schedule';

describe('retryDelayMs', () => {
  it('doubles with every failed attempt', () => {
    const top = (n: number) => retryDelayMs(n, 1000, 1_000_000, () => 1);
    expect([1, 2, 3, 4].map(top)).toEqual([1000, 2000, 4000, 8000]);
  });

  it('is capped', () => {
    expect(retryDelayMs(40, 1000, 60_000, () => 1)).toBe(60_000);
  });

  it('keeps jitter within the upper half of the step', () => {
    expect(retryDelayMs(3, 1000, 1_000_000, () => 0)).toBe(2000);
    for (let i = 0; i < 50; i++) {
      const d = retryDelayMs(3, 1000, 1_000_000);
      expect(d).toBeGreaterThanOrEqual(2000);
      expect(d).toBeLessThanOrEqual(4000);
    }
  });
});
