import { Redis } from 'ioredis';
import { freePort, sleep, uniqueNamespace, waitFor } from '@mediaplane/testing';
import { AuthFailureStore } from './auth-failure-store';
import { ClusterAuthFailureThrottle } from './cluster-auth-failure-throttle';
import { publishAuthKeys } from './redis-keys';

describe('AuthFailureStore and ClusterAuthFailureThrottle (real Redis)', () => {
  const redis = new Redis(process.env['MEDIAPLANE_REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const ns = uniqueNamespace('authf');
  const keyOf = publishAuthKeys(ns).failures;
  const policy = { baseDelayMs: 100, maxDelayMs: 400, maxFailures: 3, forgetAfterMs: 60_000 };

  afterAll(async () => {
    const keys = await redis.keys(`${ns}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  describe('two ingest nodes (two throttles on one store family)', () => {
    const nodeA = new ClusterAuthFailureThrottle(new AuthFailureStore(redis, keyOf, { windowMs: 60_000, window: 'sliding' }), policy);
    const nodeB = new ClusterAuthFailureThrottle(new AuthFailureStore(redis, keyOf, { windowMs: 60_000, window: 'sliding' }), policy);

    it('count failures together: what fails on A slows down and then blocks the address on B', async () => {
      await nodeA.recordFailure('198.51.100.1');
      expect(await nodeB.verdict('198.51.100.1')).toMatchObject({ delayMs: 100, blocked: false, source: 'cluster' });
      await nodeB.recordFailure('::ffff:198.51.100.1');
      expect(await nodeA.verdict('198.51.100.1')).toMatchObject({ delayMs: 200, blocked: false });
      await nodeA.recordFailure('198.51.100.1');
      expect(await nodeB.verdict('198.51.100.1')).toMatchObject({ delayMs: 400, blocked: true });
      expect(await nodeB.verdict('198.51.100.2')).toMatchObject({ delayMs: 0, blocked: false });
    });

    it('forget the address everywhere after a success on either node', async () => {
      await nodeA.recordFailure('198.51.100.3');
      await nodeB.recordSuccess('198.51.100.3');
      expect(await nodeA.verdict('198.51.100.3')).toMatchObject({ delayMs: 0, blocked: false });
    });

    it('tell a caller that cannot wait how long until the delay since the latest failure has passed', async () => {
      const beforeFailure = performance.now();
      await nodeA.recordFailure('198.51.100.4');
      const first = await nodeB.verdict('198.51.100.4');
      const sinceFailure = performance.now() - beforeFailure;
      // Bounded by the time that really passed, so a slow turn of the event loop cannot fail it.
      expect(first.retryAfterMs).toBeLessThanOrEqual(100);
      expect(first.retryAfterMs).toBeGreaterThanOrEqual(Math.max(0, 100 - sinceFailure - 2));
      await waitFor(async () => (await nodeB.verdict('198.51.100.4')).retryAfterMs === 0, { timeoutMs: 10_000, intervalMs: 20, what: 'the delay to pass' });
    });
  });

  describe('windows', () => {
    // The TTL Redis reports is compared with elapsed time measured around each call, so the
    // assertions hold however late a timer fires on a loaded machine (no race between sleeps).
    const windowMs = 60_000;
    const redisRoundingMs = 2;

    it('sliding: every failure restarts the window, so a busy guesser is never forgotten', async () => {
      const store = new AuthFailureStore(redis, keyOf, { windowMs, window: 'sliding' });
      await store.recordFailure('203.0.113.1');
      await sleep(300);
      const beforeSecond = performance.now();
      expect(await store.recordFailure('203.0.113.1')).toBe(2);
      const count = await store.get('203.0.113.1');
      const sinceSecond = performance.now() - beforeSecond;
      expect(count?.failures).toBe(2);
      // Restarted at the second failure, not 300 ms earlier at the first.
      expect(count!.ttlMs).toBeGreaterThanOrEqual(windowMs - sinceSecond - redisRoundingMs);
      expect(count!.sinceLastFailureMs).toBeLessThanOrEqual(sinceSecond + redisRoundingMs);
    });

    it('fixed: the window opens at the first failure and later ones do not extend it', async () => {
      const store = new AuthFailureStore(redis, keyOf, { windowMs, window: 'fixed' });
      await store.recordFailure('203.0.113.2');
      const afterFirst = performance.now();
      await sleep(300);
      expect(await store.recordFailure('203.0.113.2')).toBe(2);
      // Measured before the read: Redis set the TTL before afterFirst and reads it after this, so at least
      // this much of the window is gone whatever the replies' latency (after the read, a slow reply overstated it).
      const sinceFirst = performance.now() - afterFirst;
      const count = await store.get('203.0.113.2');
      expect(count?.failures).toBe(2);
      // Still counting down from the first failure: at least the 300 ms slept are gone.
      expect(count!.ttlMs).toBeLessThanOrEqual(windowMs - sinceFirst + redisRoundingMs);
      expect(count!.sinceLastFailureMs).toBeUndefined();
    });

    it.each(['sliding', 'fixed'] as const)('%s: the count is forgotten when its window runs out', async (window) => {
      const store = new AuthFailureStore(redis, keyOf, { windowMs: 300, window });
      const address = window === 'sliding' ? '203.0.113.3' : '203.0.113.4';
      await store.recordFailure(address);
      expect((await store.get(address))?.failures).toBe(1);
      await waitFor(async () => (await store.get(address)) === undefined, { timeoutMs: 10_000, intervalMs: 50, what: 'the count to expire' });
    });
  });

  describe('when Redis does not answer', () => {
    it('fails open to the per-node count: the node still throttles what it saw itself, and reports the error', async () => {
      const dead = new Redis({ port: await freePort(), lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
      const errors: unknown[] = [];
      const node = new ClusterAuthFailureThrottle(new AuthFailureStore(dead, keyOf, { windowMs: 60_000, window: 'sliding' }), policy, (e) => errors.push(e));
      expect(await node.verdict('192.0.2.7')).toMatchObject({ delayMs: 0, blocked: false, source: 'local' });
      for (let i = 0; i < 3; i++) await node.recordFailure('192.0.2.7');
      expect(await node.verdict('192.0.2.7')).toMatchObject({ delayMs: 400, blocked: true, source: 'local' });
      expect(errors.length).toBeGreaterThan(0);
      dead.disconnect();
    });
  });
});
