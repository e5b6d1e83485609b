import { connect, type NatsConnection } from 'nats';
import { Redis } from 'ioredis';

/**
 * Removes what one test platform left on the shared NATS and Redis: its
 * JetStream streams (events stream and KV buckets) and its Redis keys.
 * Pass open connections, or none and it opens its own from the environment.
 */
export async function cleanupNamespace(namespace: string, connections: { nc?: NatsConnection; redis?: Redis } = {}): Promise<void> {
  const nc = connections.nc ?? (await connect({ servers: process.env['MEDIAPLANE_NATS_URL'] ?? 'nats://127.0.0.1:4222' }));
  const redis = connections.redis ?? new Redis(process.env['MEDIAPLANE_REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  try {
    const jsm = await nc.jetstreamManager();
    const prefixes = [`KV_${namespace}_`, `${namespace.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}_`];
    for await (const name of jsm.streams.names()) {
      if (prefixes.some((p) => name.startsWith(p))) await jsm.streams.delete(name).catch(() => undefined);
    }
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    if (!connections.nc) await nc.close();
    if (!connections.redis) redis.disconnect();
  }
}

/**
 * A harness's stop: its app first (so nothing writes while we clean), then
 * the namespace's streams and keys, then the harness's own connections.
 */
export async function stopHarness(
  app: { stop(): Promise<unknown> } | undefined,
  namespace: string,
  connections: { bus: { nc: NatsConnection; close(): Promise<void> }; redis: Redis },
): Promise<void> {
  await app?.stop();
  await cleanupNamespace(namespace, { nc: connections.bus.nc, redis: connections.redis });
  await connections.bus.close();
  connections.redis.disconnect();
}
