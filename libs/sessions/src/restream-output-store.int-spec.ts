import { Redis } from 'ioredis';
import { uniqueNamespace } from '@mediaplane/testing';
import { RestreamOutputStore, type RestreamOutputRecord } from './restream-output-store';

describe('RestreamOutputStore (real Redis)', () => {
  const redis = new Redis(process.env['MEDIAPLANE_REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const ns = uniqueNamespace('rst');
  const store = new RestreamOutputStore(redis, ns);
  let n = 0;
  const record = (streamId: string, over: Partial<RestreamOutputRecord> = {}): RestreamOutputRecord => ({
    id: `out_${++n}`,
    streamId,
    name: `output ${n}`,
    url: `rtmp://example.com/live/key${n}`,
    enabled: true,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    ...over,
  });
  const report = (streamId: string, outputId: string, bytesSent: number) => ({
    streamId,
    outputId,
    sessionId: 'sess1',
    worker: 'w1',
    state: 'live' as const,
    bytesSent,
    reconnects: 0,
    at: new Date().toISOString(),
  });

  afterAll(async () => {
    const keys = await redis.keys(`${ns}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('keeps outputs per stream, oldest first, with their secret URL', async () => {
    const a = record('s1');
    const b = record('s1');
    await store.add(b, 8);
    await store.add(a, 8);
    await store.add(record('s2'), 8);
    expect((await store.list('s1')).map((o) => o.id)).toEqual([a.id, b.id]);
    expect(await store.get('s1', a.id)).toEqual(a);
    expect(await store.get('s2', a.id)).toBeUndefined();
  });

  describe('when a stream is at its limit', () => {
    it('refuses more outputs, also when many are added at once', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, () => store.add(record('s3'), 3)));
      expect(results.filter(Boolean)).toHaveLength(3);
      expect(await store.list('s3')).toHaveLength(3);
    });
  });

  it('removes an output with its report and says whether it existed', async () => {
    const o = record('s4');
    await store.add(o, 8);
    expect(await store.saveReport(report('s4', o.id, 100))).toBe(true);
    expect((await store.reports('s4')).get(o.id)?.bytesSent).toBe(100);
    expect(await store.remove('s4', o.id)).toBe(true);
    expect(await store.remove('s4', o.id)).toBe(false);
    expect((await store.reports('s4')).size).toBe(0);
  });

  it('ignores a late report of an output removed meanwhile', async () => {
    expect(await store.saveReport(report('s5', 'out_gone', 5))).toBe(false);
    expect((await store.reports('s5')).size).toBe(0);
  });

  it('skips entries that do not parse instead of failing the list', async () => {
    const o = record('s6');
    await store.add(o, 8);
    await redis.hset(`${ns}:restream:outputs:s6`, 'out_bad', '{not json');
    expect((await store.list('s6')).map((x) => x.id)).toEqual([o.id]);
  });

  it('forgets every output of a deleted stream', async () => {
    await store.add(record('s7'), 8);
    await store.removeAll('s7');
    expect(await store.list('s7')).toEqual([]);
  });
});
