import { Redis } from 'ioredis';
import { Bus } from '@mediaplane/messaging';
import { createLogger, createMetricsRegistry } from '@mediaplane/observability';
import { AuthFailureStore, ClusterAuthFailureThrottle, publishAuthKeys } from '@mediaplane/sessions';
import { uniqueNamespace } from '@mediaplane/testing';
import { SfuMetrics } from '../metrics/sfu-metrics';
import type { SfuConfig } from '../sfu.config';
import { WhipAuthorizer } from './whip-authorizer.service';

/**
 * The WHIP throttle counts failed publish attempts in Redis with ingest's counts: an address guessing keys on one SFU
 * is slowed down on another SFU and on every ingest node. Only malformed keys are sent here, which are refused before
 * the control plane is asked (the bus only carries the refusal events).
 */
describe('WhipAuthorizer failed-attempt throttle (real Redis)', () => {
  const redis = new Redis(process.env['MEDIAPLANE_REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const namespace = uniqueNamespace('whip-auth');
  const logger = createLogger({ app: 'test', level: 'silent' });
  let bus: Bus;
  const sfu = (instance: string) =>
    new WhipAuthorizer(
      bus,
      logger,
      { MEDIAPLANE_NAMESPACE: namespace, MEDIAPLANE_REQUEST_TIMEOUT_MS: 1000 } as SfuConfig,
      instance,
      new SfuMetrics(createMetricsRegistry('sfu', instance)),
      redis,
    );

  beforeAll(async () => {
    bus = await Bus.connect(process.env['MEDIAPLANE_NATS_URL'] ?? 'nats://127.0.0.1:4222', {
      namespace,
      queueGroup: 'test',
      logger,
      metrics: createMetricsRegistry('test', 'test-1'),
    });
  });

  afterAll(async () => {
    await bus.close();
    const keys = await redis.keys(`${namespace}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it("counts a failure on one SFU where another SFU and ingest's throttle see it", async () => {
    const [a, b] = [sfu('sfu-a'), sfu('sfu-b')];
    await expect(a.authorize('st1', 'not a key', '203.0.113.7')).resolves.toMatchObject({ ok: false, status: 401 });
    // Ingest's throttle reads the same key family: one failure already owes a delay there.
    const ingest = new ClusterAuthFailureThrottle(new AuthFailureStore(redis, publishAuthKeys(namespace).failures, { windowMs: 60_000, window: 'sliding' }), {
      baseDelayMs: 500,
      maxDelayMs: 8000,
      maxFailures: 20,
      forgetAfterMs: 60_000,
    });
    expect(await ingest.verdict('203.0.113.7')).toMatchObject({ delayMs: 500, source: 'cluster' });
    // The other SFU holds its answer for the delay the first SFU's failure earned (500 ms), before refusing.
    const started = performance.now();
    await expect(b.authorize('st1', undefined, '203.0.113.7')).resolves.toMatchObject({ ok: false, status: 401 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
    expect(await ingest.verdict('203.0.113.7')).toMatchObject({ delayMs: 1000 });
    // Another address owes nothing.
    expect(await ingest.verdict('203.0.113.8')).toMatchObject({ delayMs: 0, blocked: false });
  });
});
