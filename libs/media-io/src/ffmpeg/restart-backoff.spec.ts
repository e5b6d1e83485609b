import { restartDelayMs } from './restart-backoff';

describe('restartDelayMs', () => {
  const options = { initialMs: 500, maxMs: 8000 };

  it('doubles per attempt up to the cap', () => {
    const top = (attempt: number) => restartDelayMs(attempt, options, () => 1);
    expect([0, 1, 2, 3, 4, 5, 40].map(top)).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('jitters within the upper half of the delay', () => {
    expect(restartDelayMs(2, options, () => 0)).toBe(1000);
    for (let i = 0; i < 100; i++) {
      const d = restartDelayMs(3, options);
      expect(d).toBeGreaterThanOrEqual(2000);
      expect(d).toBeLessThanOrEqual(4000);
    }
  });
});
