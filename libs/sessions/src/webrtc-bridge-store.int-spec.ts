import { Redis } from 'ioredis';
import { uniqueNamespace, waitFor } from '@mediaplane/testing';
import { WebrtcBridgeStore, type WebrtcBridgeShare } from './webrtc-bridge-store';

describe('WebrtcBridgeStore (real Redis)', () => {
  const redis = new Redis(process.env['MEDIAPLANE_REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const ns = uniqueNamespace('wbridge');
  const store = new WebrtcBridgeStore(redis, ns);
  const passthrough: WebrtcBridgeShare = { mode: 'passthrough', viewers: 2, startedAt: '2026-12-07T23:00:00.000Z' };
  const reencode: WebrtcBridgeShare = { mode: 'reencode', viewers: 1, startedAt: '2026-12-07T23:00:05.000Z' };

  afterAll(async () => {
    const keys = await redis.keys(`${ns}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it("lists every SFU node's bridge of a stream, with its mode, viewers and start (JSON with colons survives the share encoding)", async () => {
    await store.report('sfu-b', new Map([['s1', reencode]]), 10_000);
    await store.report(
      'sfu-a',
      new Map([
        ['s1', passthrough],
        ['s2', { ...passthrough, viewers: 0 }],
      ]),
      10_000,
    );
    const bridges = await store.list(['s1', 's2', 'nobody']);
    expect(bridges.get('s1')).toEqual([
      { node: 'sfu-a', ...passthrough },
      { node: 'sfu-b', ...reencode },
    ]);
    expect(bridges.get('s2')).toEqual([{ node: 'sfu-a', ...passthrough, viewers: 0 }]);
    expect(bridges.get('nobody')).toEqual([]);
  });

  it("replaces a node's earlier report, and withdraws its bridge at once when it reports none", async () => {
    await store.report('sfu-a', new Map([['s3', passthrough]]), 10_000);
    await store.report('sfu-a', new Map([['s3', { ...passthrough, viewers: 5 }]]), 10_000);
    expect((await store.list(['s3'])).get('s3')).toEqual([{ node: 'sfu-a', ...passthrough, viewers: 5 }]);
    await store.report('sfu-b', new Map([['s3', reencode]]), 10_000);
    await store.report('sfu-a', new Map([['s3', undefined]]), 10_000);
    expect((await store.list(['s3'])).get('s3')).toEqual([{ node: 'sfu-b', ...reencode }]);
    expect(await redis.hkeys(`${ns}:webrtc-bridges:s3`)).toEqual(['sfu-b']);
  });

  it("drops a node's bridge once its report is older than the TTL (the node died) while the others stay", async () => {
    await store.report('dead-sfu', new Map([['s4', passthrough]]), 1_500);
    await store.report('live-sfu', new Map([['s4', reencode]]), 20_000);
    expect((await store.list(['s4'])).get('s4')).toHaveLength(2);
    await waitFor(async () => ((await store.list(['s4'])).get('s4')?.length === 1 ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 100,
      what: "the dead node's bridge to expire",
    });
    expect((await store.list(['s4'])).get('s4')).toEqual([{ node: 'live-sfu', ...reencode }]);
  });

  it('leaves out a share that is not a bridge (another version wrote it, or it was tampered with)', async () => {
    await store.report('sfu-a', new Map([['s5', passthrough]]), 10_000);
    const farFuture = Date.now() + 600_000;
    await redis.hset(`${ns}:webrtc-bridges:s5`, 'broken', `{"mode":"teleport","viewers":1}:${farFuture}`, 'garbage', `not json:${farFuture}`);
    expect((await store.list(['s5'])).get('s5')).toEqual([{ node: 'sfu-a', ...passthrough }]);
  });
});
