import { Redis } from 'ioredis';
import { HlsOriginSchema, type HlsOrigin } from '@mediaplane/contracts';
import { transcodeKeys } from '@mediaplane/sessions';
import { uniqueNamespace } from '@mediaplane/testing';
import { JobLeaseStore } from './job-lease-store';

describe('JobLeaseStore (real Redis)', () => {
  const redis = new Redis('redis://127.0.0.1:6379');
  const ns = uniqueNamespace('lease');
  const store = new JobLeaseStore(redis, ns);
  const origin = (worker: string, sessionId = 's1'): HlsOrigin => ({
    streamId: 'abc',
    sessionId,
    worker,
    baseUrl: `http://10.0.0.1:8084/origin/hls/abc`,
    renditions: [],
    private: false,
    segmentSeconds: 2,
    live: true,
    updatedAt: new Date().toISOString(),
  });
  const readOrigin = async () => {
    const raw = await redis.get(transcodeKeys(ns).hlsOrigin('abc'));
    return raw ? HlsOriginSchema.parse(JSON.parse(raw)) : undefined;
  };

  afterAll(async () => {
    const keys = await redis.keys(`${ns}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('refreshes the lease and writes the origin entry only for the holder of the current lease', async () => {
    await store.take('abc', { worker: 'a', sessionId: 's1', token: 'ta', delivery: 1 }, 10_000);
    expect(await store.refresh('abc', 'ta', 10_000, { record: origin('a'), ttlMs: 10_000 })).toBe(true);
    expect((await readOrigin())?.worker).toBe('a');

    // Worker b takes the job over (JetStream redelivered it): a's next refresh fails and writes nothing.
    await store.take('abc', { worker: 'b', sessionId: 's1', token: 'tb', delivery: 2 }, 10_000);
    expect(await store.refresh('abc', 'ta', 10_000, { record: origin('a'), ttlMs: 10_000 })).toBe(false);
    expect(await store.refresh('abc', 'tb', 10_000, { record: origin('b'), ttlMs: 10_000 })).toBe(true);
    expect((await readOrigin())?.worker).toBe('b');

    // a cannot release b's lease, nor remove b's origin entry.
    await store.release('abc', 'ta');
    expect((await store.get('abc'))?.worker).toBe('b');
    await store.removeOrigin('abc', 'a', 's1');
    expect((await readOrigin())?.worker).toBe('b');
  });

  it('removes the origin entry of its own session only', async () => {
    await store.take('abc', { worker: 'b', sessionId: 's2', token: 'tb2', delivery: 1 }, 10_000);
    await store.refresh('abc', 'tb2', 10_000, { record: origin('b', 's2'), ttlMs: 10_000 });
    await store.removeOrigin('abc', 'b', 's1');
    expect((await readOrigin())?.sessionId).toBe('s2');
    await store.removeOrigin('abc', 'b', 's2');
    expect(await readOrigin()).toBeUndefined();
  });
});
