import { median, percentile, summarize } from './stats';

describe('percentile', () => {
  it('interpolates between neighbouring ranks', () => {
    expect(percentile([10, 20, 30, 40], 50)).toBe(25);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 95)).toBe(10.5);
  });

  it('returns the extremes at 0 and 100, and NaN for no values', () => {
    expect(percentile([3, 5], 0)).toBe(3);
    expect(percentile([3, 5], 100)).toBe(5);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('median', () => {
  it('takes the middle of unsorted values, the mean of the two middle ones for an even count', () => {
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('summarize', () => {
  it('sorts before ranking and reports count, extremes, mean and the usual percentiles', () => {
    const s = summarize([5, 1, 4, 2, 3]);
    expect(s).toEqual({ count: 5, min: 1, p50: 3, p95: 4.8, p99: 4.96, max: 5, mean: 3 });
  });
});
