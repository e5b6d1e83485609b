import type { Redis } from 'ioredis';

/**
 * Counts failed attempts (publish keys, the admin token) per remote address in Redis (shared
 * by every control-plane instance) within a fixed window that starts at the
 * first failure; at `limit` failures the address is refused until the window
 * runs out, which turns key guessing into a crawl.
 */
export class AuthFailureLimiter {
  /** `keyOf` names the Redis key of one address's count: each kind of secret has its own buckets. */
  constructor(
    private readonly redis: Redis,
    private readonly keyOf: (address: string) => string,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  async isLimited(remoteAddress: string): Promise<boolean> {
    const count = Number((await this.redis.get(this.key(remoteAddress))) ?? 0);
    return count >= this.limit;
  }

  /** 0 when the address may try; else how long until its window runs out (at least 1 ms). */
  async retryAfterMs(remoteAddress: string): Promise<number> {
    const key = this.key(remoteAddress);
    const [count, ttl] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
    if (Number(count ?? 0) < this.limit) return 0;
    return ttl > 0 ? ttl : this.windowMs;
  }

  async recordFailure(remoteAddress: string): Promise<number> {
    const key = this.key(remoteAddress);
    // SET NX PX opens the window once; INCR inside the same MULTI counts into it.
    const results = await this.redis.multi().set(key, '0', 'PX', this.windowMs, 'NX').incr(key).exec();
    const incr = results?.[1];
    return incr && !incr[0] ? Number(incr[1]) : this.limit;
  }

  private key(remoteAddress: string): string {
    return this.keyOf(normalizeAddress(remoteAddress));
  }
}

/** `::ffff:1.2.3.4` and `1.2.3.4` are the same client; an empty address is its own bucket. */
export function normalizeAddress(address: string): string {
  const trimmed = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(trimmed);
  return (mapped?.[1] ?? trimmed) || 'unknown';
}
