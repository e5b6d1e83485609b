import { Redis } from 'ioredis';
import { uniqueNamespace, waitFor } from '@mediaplane/testing';
import { HlsViewerStore } from './hls-viewer-store';

describe('HlsViewerStore (real Redis)', () => {
  const redis = new Redis(process.env['MEDIAPLANE_REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const ns = uniqueNamespace('hlsv');
  const store = new HlsViewerStore(redis, ns);

  afterAll(async () => {
    const keys = await redis.keys(`${ns}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('sums the counts every edge reports for a stream', async () => {
    await store.report(
      'edge-a',
      new Map([
        ['s1', 3],
        ['s2', 1],
      ]),
      10_000,
    );
    await store.report('edge-b', new Map([['s1', 2]]), 10_000);
    expect(await store.total('s1')).toBe(5);
    expect(await store.total('s2')).toBe(1);
    expect(await store.totals(['s1', 's2', 'nobody'])).toEqual(
      new Map([
        ['s1', 5],
        ['s2', 1],
        ['nobody', 0],
      ]),
    );
  });

  it("replaces an edge's earlier count with its latest one", async () => {
    await store.report('edge-a', new Map([['s3', 4]]), 10_000);
    await store.report('edge-a', new Map([['s3', 1]]), 10_000);
    expect(await store.total('s3')).toBe(1);
  });

  it("withdraws an edge's share at once when it reports 0", async () => {
    await store.report('edge-a', new Map([['s4', 2]]), 10_000);
    await store.report('edge-b', new Map([['s4', 1]]), 10_000);
    await store.report('edge-a', new Map([['s4', 0]]), 10_000);
    expect(await store.total('s4')).toBe(1);
    expect(await redis.hkeys(`${ns}:hls-viewers:s4`)).toEqual(['edge-b']);
  });

  describe('when an edge stops reporting (it died)', () => {
    it('drops its share after the TTL while the others still count', async () => {
      // A TTL long enough that a stalled event loop cannot expire the share before it is read; the expiry is waited for.
      await store.report('dead-edge', new Map([['s5', 7]]), 1_500);
      await store.report('live-edge', new Map([['s5', 2]]), 20_000);
      expect(await store.total('s5')).toBe(9);
      await waitFor(async () => (await store.total('s5')) === 2, { timeoutMs: 10_000, intervalMs: 100, what: "the dead edge's share to expire" });
      // The next report of any edge prunes the dead one's field.
      await store.report('live-edge', new Map([['s5', 2]]), 20_000);
      expect(await redis.hkeys(`${ns}:hls-viewers:s5`)).toEqual(['live-edge']);
    });

    it('lets the whole key expire when no edge reports any more', async () => {
      await store.report('edge-a', new Map([['s6', 1]]), 300);
      expect(await redis.pttl(`${ns}:hls-viewers:s6`)).toBeGreaterThan(0);
      await waitFor(async () => (await redis.exists(`${ns}:hls-viewers:s6`)) === 0, { timeoutMs: 5000, what: 'the key to expire' });
      expect(await store.total('s6')).toBe(0);
    });

    it('keeps the key as long as the longest-lived share', async () => {
      await store.report('slow-edge', new Map([['s7', 1]]), 20_000);
      await store.report('fast-edge', new Map([['s7', 1]]), 300);
      expect(await redis.pttl(`${ns}:hls-viewers:s7`)).toBeGreaterThan(10_000);
    });
  });

  it('reports and reads more streams than one script call takes', async () => {
    const counts = new Map<string, number>(Array.from({ length: 1203 }, (_, i) => [`many-${i}`, (i % 5) + 1]));
    await store.report('edge-a', counts, 10_000);
    const totals = await store.totals([...counts.keys()]);
    expect(totals.size).toBe(1203);
    expect([...totals].every(([id, n]) => n === counts.get(id))).toBe(true);
  });
});
