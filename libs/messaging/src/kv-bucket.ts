import { StorageType, type JetStreamClient, type KV, type KvEntry as NatsKvEntry } from 'nats';
import type { z } from 'zod';
import { decodeJson, encodeJson } from './validate-payload';

/** How a bucket's values are written and read back; `decode` returns undefined for a value it cannot accept. */
export interface KvCodec<T> {
  encode(value: T): Uint8Array;
  decode(data: Uint8Array): T | undefined;
}

/** JSON values checked against a schema on read (a value that no longer fits reads as absent). */
export function jsonValues<S extends z.ZodType>(schema: S): KvCodec<z.output<S>> {
  return {
    encode: (value) => encodeJson(value),
    decode: (data) => {
      try {
        const parsed = schema.safeParse(decodeJson('kv', data));
        return parsed.success ? parsed.data : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** Plain UTF-8 string values. */
export const textValues: KvCodec<string> = {
  encode: (value) => Buffer.from(value, 'utf8'),
  decode: (data) => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'),
};

export interface KvEntry<T> {
  key: string;
  value: T;
  /** For compare-and-set updates. */
  revision: number;
}

export interface KvBucketOptions {
  description: string;
  replicas?: number;
}

/** Another writer changed the key between our read and our write (or created it first). */
export class KvConflictError extends Error {
  constructor(
    readonly bucket: string,
    readonly key: string,
    cause: unknown,
  ) {
    super(`${bucket}/${key} was changed by another writer`, { cause });
    this.name = 'KvConflictError';
  }
}

/** KV bucket names allow [A-Za-z0-9_-]; the namespace keeps test runs and tenants apart. */
export function kvBucketName(namespace: string, suffix: string): string {
  return `${namespace}_${suffix}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * A typed JetStream KV bucket on file storage with one revision per key, so
 * what it holds survives restarts of NATS and of every app. Deleted and
 * purged keys read as absent.
 */
export class KvBucket<T> {
  private constructor(
    private readonly kv: KV,
    readonly name: string,
    private readonly codec: KvCodec<T>,
  ) {}

  /** Opens the bucket, creating it when missing. */
  static async open<T>(js: JetStreamClient, name: string, codec: KvCodec<T>, options: KvBucketOptions): Promise<KvBucket<T>> {
    const kv = await js.views.kv(name, { history: 1, storage: StorageType.File, replicas: options.replicas ?? 1, description: options.description });
    return new KvBucket(kv, name, codec);
  }

  async get(key: string): Promise<KvEntry<T> | undefined> {
    return this.read(await this.kv.get(key));
  }

  /** Writes a key that must not exist yet; KvConflictError when it does. */
  async create(key: string, value: T): Promise<number> {
    try {
      return await this.kv.create(key, this.codec.encode(value));
    } catch (error) {
      throw isConflict(error) ? new KvConflictError(this.name, key, error) : error;
    }
  }

  /** Writes over the revision read before; KvConflictError when someone wrote in between. */
  async update(key: string, value: T, revision: number): Promise<number> {
    try {
      return await this.kv.update(key, this.codec.encode(value), revision);
    } catch (error) {
      throw isConflict(error) ? new KvConflictError(this.name, key, error) : error;
    }
  }

  async put(key: string, value: T): Promise<number> {
    return this.kv.put(key, this.codec.encode(value));
  }

  /** Removes the key and its history. */
  async delete(key: string): Promise<void> {
    await this.kv.purge(key);
  }

  /** Every live key. */
  async keys(): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of await this.kv.keys()) keys.push(key);
    return keys;
  }

  /**
   * Calls `onChange` with each key's current value, then with every change
   * (`undefined` when deleted), until the returned `stop` is called.
   */
  async watch(onChange: (key: string, value: T | undefined) => void): Promise<{ stop(): void }> {
    const updates = await this.kv.watch();
    void (async () => {
      for await (const entry of updates) onChange(entry.key, this.read(entry)?.value);
    })();
    return { stop: () => updates.stop() };
  }

  private read(entry: NatsKvEntry | null): KvEntry<T> | undefined {
    if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return undefined;
    const value = this.codec.decode(entry.value);
    return value === undefined ? undefined : { key: entry.key, value, revision: entry.revision };
  }
}

function isConflict(error: unknown): boolean {
  return /wrong last sequence|key exists/i.test(String((error as Error)?.message ?? error));
}
