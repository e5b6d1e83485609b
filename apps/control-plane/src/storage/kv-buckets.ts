import { StorageType, type KV } from 'nats';
import type { Bus } from '@mediaplane/messaging';

/** KV bucket names allow [A-Za-z0-9_-]; the namespace keeps test runs and tenants apart. */
export function kvBucketName(namespace: string, suffix: string): string {
  return `${namespace}_${suffix}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * Opens (creating when missing) a JetStream KV bucket on file storage with
 * one revision per key: definitions survive restarts of NATS and of every app.
 */
export async function openKvBucket(bus: Bus, suffix: string, options: { description: string; replicas: number }): Promise<KV> {
  const js = bus.nc.jetstream();
  return js.views.kv(kvBucketName(bus.namespace, suffix), {
    history: 1,
    storage: StorageType.File,
    replicas: options.replicas,
    description: options.description,
  });
}

/** Values of a KV entry that still exists (deletes and purges leave markers). */
export function liveValue(entry: { operation: string; value: Uint8Array } | null): Uint8Array | undefined {
  return entry && entry.operation === 'PUT' && entry.value.length > 0 ? entry.value : undefined;
}

export function encodeJsonValue(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

export function decodeJsonValue(data: Uint8Array): unknown {
  return JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
}

/** Every live key of a bucket. */
export async function listKeys(kv: KV): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of await kv.keys()) keys.push(key);
  return keys;
}
