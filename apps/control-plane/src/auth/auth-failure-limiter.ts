import type { Redis } from 'ioredis';
import { AuthFailureStore } from '@mediaplane/sessions';

/**
 * Failed attempts (publish keys, the admin token) per remote address,
 * counted cluster-wide by AuthFailureStore (the same counter ingest's
 * throttle uses) in a fixed window that starts at the first failure; at
 * `limit` failures the address is refused until the window runs out, which
 * turns key guessing into a crawl.
 */
export class AuthFailureLimiter {
  private readonly store: AuthFailureStore;

  /** `keyOf` names the Redis key of one address's count: each kind of secret has its own buckets. */
  constructor(
    redis: Redis,
    keyOf: (address: string) => string,
    private readonly limit: number,
    windowMs: number,
  ) {
    this.store = new AuthFailureStore(redis, keyOf, { windowMs, window: 'fixed' });
  }

  async isLimited(remoteAddress: string): Promise<boolean> {
    return ((await this.store.get(remoteAddress))?.failures ?? 0) >= this.limit;
  }

  /** 0 when the address may try; else how long until its window runs out (at least 1 ms). */
  async retryAfterMs(remoteAddress: string): Promise<number> {
    const count = await this.store.get(remoteAddress);
    return count && count.failures >= this.limit ? count.ttlMs : 0;
  }

  async recordFailure(remoteAddress: string): Promise<number> {
    return this.store.recordFailure(remoteAddress);
  }
}
