import { ByteLruCache } from './byte-lru-cache';

describe('ByteLruCache', () => {
  let now = 0;
  const cache = () => new ByteLruCache<string>(100, () => now);
  beforeEach(() => (now = 1000));

  it('evicts the least recently used entries when the byte bound is exceeded', () => {
    const c = cache();
    c.set('a', 'A', 40, 10_000);
    c.set('b', 'B', 40, 10_000);
    expect(c.get('a')).toBe('A');
    c.set('c', 'C', 40, 10_000);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe('A');
    expect(c.get('c')).toBe('C');
    expect(c.bytes).toBe(80);
  });

  it('never holds an object larger than the whole cache', () => {
    const c = cache();
    c.set('big', 'X', 101, 10_000);
    expect(c.get('big')).toBeUndefined();
    expect(c.bytes).toBe(0);
  });

  it('serves stale entries only on request, until they expire', () => {
    const c = cache();
    c.set('p', 'P', 10, 500, 30_000);
    now += 600;
    expect(c.get('p')).toBeUndefined();
    expect(c.getStale('p')).toEqual({ value: 'P', fresh: false });
    now += 30_000;
    expect(c.getStale('p')).toBeUndefined();
    expect(c.bytes).toBe(0);
  });

  it('replaces an entry and accounts its new size', () => {
    const c = cache();
    c.set('a', 'A', 60, 1000);
    c.set('a', 'A2', 30, 1000);
    expect(c.bytes).toBe(30);
    expect(c.get('a')).toBe('A2');
  });

  it('prunes expired entries', () => {
    const c = cache();
    c.set('a', 'A', 10, 100);
    c.set('b', 'B', 10, 100_000);
    now += 200;
    c.prune();
    expect(c.size).toBe(1);
    expect(c.bytes).toBe(10);
  });

  it('fed new objects at a steady rate, levels off at one keep time of them (what a soak sees as a plateau)', () => {
    // A segment of 10 bytes every 2 s, kept 120 s, pruned every 5 s as the delivery service does: 60 segments, never more.
    const c = new ByteLruCache<string>(1_000_000, () => now);
    const held: number[] = [];
    for (let t = 0; t <= 1_200_000; t += 1000) {
      now = t;
      if (t % 2000 === 0) c.set(`s${t}`, 'S', 10, 120_000);
      if (t % 5000 === 0) c.prune();
      if (t >= 125_000) held.push(c.size);
    }
    expect(Math.max(...held)).toBeLessThanOrEqual(60 + 3);
    expect(Math.min(...held)).toBeGreaterThanOrEqual(60);
    expect(c.bytes).toBe(c.size * 10);
  });
});
