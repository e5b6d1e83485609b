import { RequestCoalescer } from './request-coalescer';

describe('RequestCoalescer', () => {
  it('runs one fetch for concurrent requests of the same key', async () => {
    const c = new RequestCoalescer<string>();
    let calls = 0;
    let release!: (v: string) => void;
    const fetch = () => {
      calls++;
      return new Promise<string>((resolve) => (release = resolve));
    };
    const runs = [c.run('k', fetch), c.run('k', fetch), c.run('k', fetch)];
    expect(runs.map((r) => r.shared)).toEqual([false, true, true]);
    release('v');
    expect(await Promise.all(runs.map((r) => r.result))).toEqual(['v', 'v', 'v']);
    expect(calls).toBe(1);
    expect(c.pending).toBe(0);
  });

  it('shares failures too, then lets the next request try again', async () => {
    const c = new RequestCoalescer<string>();
    const a = c.run('k', () => Promise.reject(new Error('down')));
    const b = c.run('k', () => Promise.resolve('never'));
    await expect(a.result).rejects.toThrow('down');
    await expect(b.result).rejects.toThrow('down');
    await expect(c.run('k', () => Promise.resolve('up')).result).resolves.toBe('up');
  });

  it('keeps different keys apart', async () => {
    const c = new RequestCoalescer<number>();
    const a = c.run('a', () => Promise.resolve(1));
    const b = c.run('b', () => Promise.resolve(2));
    expect(b.shared).toBe(false);
    expect(await Promise.all([a.result, b.result])).toEqual([1, 2]);
  });
});
