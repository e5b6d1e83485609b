import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import type { Bus } from '@mediaplane/messaging';
import { createLogger } from '@mediaplane/observability';
import type { IngestConfig } from '../ingest.config';
import { IngestMetrics } from '../observability/ingest-metrics';
import { PublishAuthorizer } from './publish-authorizer.service';

describe('PublishAuthorizer', () => {
  const config = {
    INGEST_AUTH_BACKOFF_BASE_MS: 300,
    INGEST_AUTH_BACKOFF_MAX_MS: 1000,
    INGEST_AUTH_MAX_FAILURES: 20,
    INGEST_AUTH_FAILURE_WINDOW_MS: 60_000,
    MEDIAPLANE_REQUEST_TIMEOUT_MS: 3000,
  } as IngestConfig;
  const metrics = new IngestMetrics(new Registry());
  // No Redis in unit specs: every command fails at once, so the throttle runs on its per-node fallback
  // (the cluster-wide count is covered by libs/sessions auth-failure-store.int-spec and the two-node e2e).
  const noRedis = new Redis({ lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  afterAll(() => {
    metrics.onModuleDestroy();
    noRedis.disconnect();
  });

  function make() {
    const requests: Array<{ timeoutMs: number }> = [];
    const bus = {
      request: async (_c: unknown, _p: unknown, _b: unknown, options: { timeoutMs: number }) => {
        requests.push(options);
        return { ok: false, reason: 'unknown_key', message: 'no' };
      },
      publish: async () => undefined,
    } as unknown as Bus;
    return { requests, authorizer: new PublishAuthorizer(bus, createLogger({ app: 't', level: 'silent' }), config, 'ingest-1', metrics, noRedis) };
  }

  describe('for a caller that cannot wait (SRT, deciding inside the handshake)', () => {
    it('refuses an address that owes a delay at once, without asking, and asks again once the delay has passed', async () => {
      const { authorizer, requests } = make();
      expect(await authorizer.authorize('srt', 'sk_wrongwrong', '10.1.1.1', { wait: false })).toMatchObject({ ok: false, reason: 'unknown_key' });
      const started = Date.now();
      expect(await authorizer.authorize('srt', 'sk_wrongwrong', '10.1.1.1', { wait: false })).toMatchObject({ ok: false, reason: 'rate_limited' });
      // Well under the 300 ms delay it owes (a loaded CI box can stall a turn of the event loop for tens of ms).
      expect(Date.now() - started).toBeLessThan(250);
      expect(requests).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 320));
      expect(await authorizer.authorize('srt', 'sk_wrongwrong', '10.1.1.1', { wait: false, timeoutMs: 800 })).toMatchObject({ reason: 'unknown_key' });
      expect(requests.map((r) => r.timeoutMs)).toEqual([3000, 800]);
    });
  });

  it('holds the answer back for a caller that can wait (RTMP), as before', async () => {
    const { authorizer, requests } = make();
    await authorizer.authorize('rtmp', 'sk_wrongwrong', '10.1.1.2');
    const started = Date.now();
    expect(await authorizer.authorize('rtmp', 'sk_wrongwrong', '10.1.1.2')).toMatchObject({ reason: 'unknown_key' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(requests).toHaveLength(2);
  });
});
