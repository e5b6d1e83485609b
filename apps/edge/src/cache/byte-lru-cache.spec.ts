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
});
