import type { Redis } from 'ioredis';
import { liveStreamKeys } from './redis-keys';

/**
 * The API's "let the next publisher replace the live one" (POST
 * /streams/{id}/takeover): a flag per stream with a TTL, consumed atomically
 * by the first publish authorized after it, so exactly one publisher gets to
 * take over and an unused flag lapses on its own.
 */
export class TakeoverFlags {
  private readonly keys: ReturnType<typeof liveStreamKeys>;

  constructor(
    private readonly redis: Redis,
    namespace: string,
  ) {
    this.keys = liveStreamKeys(namespace);
  }

  async grant(streamId: string, ttlMs: number): Promise<Date> {
    await this.redis.set(this.keys.takeover(streamId), '1', 'PX', ttlMs);
    return new Date(Date.now() + ttlMs);
  }

  /** True once per grant: the caller is the publisher that takes over. */
  async consume(streamId: string): Promise<boolean> {
    return (await this.redis.getdel(this.keys.takeover(streamId))) !== null;
  }
}
