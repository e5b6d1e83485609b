import { Redis } from 'ioredis';
import { uniqueNamespace, waitFor } from '@mediaplane/testing';
import { RelayViewerStore } from './relay-viewer-store';

describe('RelayViewerStore (real Redis)', () => {
  const redis = new Redis(process.env['MEDIAPLANE_REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const ns = uniqueNamespace('relayv');
  const store = new RelayViewerStore(redis, ns);

  afterAll(async () => {
    const keys = await redis.keys(`${ns}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('sums every relaying node’s viewers per protocol, each node writing only its own share', async () => {
    await store.report('ingest-b', new Map([['s1', { flv: 3, rtmp: 1 }]]), 10_000);
    await store.report('ingest-c', new Map([['s1', { flv: 2, wsflv: 4 }]]), 10_000);
    expect((await store.totals(['s1', 'nobody'])).get('s1')).toEqual({ flv: 5, rtmp: 1, wsflv: 4 });
    expect((await store.totals(['nobody'])).get('nobody')).toEqual({});
  });

  it('withdraws a node’s share at once when it reports no viewers, and drops a silent node’s after its TTL', async () => {
    // TTLs long enough that a stalled event loop cannot expire the share before it is read; the expiry is waited for.
    await store.report('ingest-b', new Map([['s2', { flv: 3 }]]), 1_500);
    await store.report('ingest-c', new Map([['s2', { rtmp: 2 }]]), 10_000);
    await store.report('ingest-c', new Map([['s2', {}]]), 10_000);
    expect((await store.totals(['s2'])).get('s2')).toEqual({ flv: 3 });
    await waitFor(async () => Object.keys((await store.totals(['s2'])).get('s2') ?? {}).length === 0, {
      timeoutMs: 10_000,
      intervalMs: 100,
      what: "the silent node's share to expire",
    });
  });
});
