import type { Redis } from 'ioredis';
import { normalizeAddress } from './connection-limiter';

export interface AuthFailureStoreOptions {
  /** How long a count lives. */
  windowMs: number;
  /**
   * `fixed`: the window opens at the first failure and the count is forgotten
   * when it runs out, however many failures follow (the control plane's limit).
   * `sliding`: every failure restarts the window, so an address is forgotten
   * only after `windowMs` without failures (ingest's throttle).
   */
  window: 'fixed' | 'sliding';
}

export interface AuthFailureCount {
  failures: number;
  /** Time left until the count is forgotten. */
  ttlMs: number;
  /** With a sliding window: time since the latest failure (the window restarts at each one). */
  sinceLastFailureMs?: number;
}

// INCR into the window; a fixed window gets its expiry once (at the first failure), a sliding one at every failure.
const RECORD = `
local n = redis.call('INCR', KEYS[1])
if ARGV[2] == 'sliding' or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/**
 * Failed authentication attempts per remote address, cluster-wide in Redis:
 * every instance (each control plane, each ingest node) counts into the same
 * key, so spreading guesses over nodes buys an attacker nothing. One counter
 * per address (`keyOf` builds the key; each kind of secret has its own family
 * in redis-keys) with a TTL; no clock is stored, the TTL tells the age.
 * Shared by the control plane's AuthFailureLimiter and ingest's
 * ClusterAuthFailureThrottle, so there is one way to count.
 */
export class AuthFailureStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyOf: (address: string) => string,
    private readonly options: AuthFailureStoreOptions,
  ) {}

  get windowMs(): number {
    return this.options.windowMs;
  }

  async get(address: string | undefined): Promise<AuthFailureCount | undefined> {
    const key = this.key(address);
    const [count, ttl] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
    const failures = Number(count ?? 0);
    if (!Number.isFinite(failures) || failures <= 0) return undefined;
    // -1 (no expiry) cannot be written by RECORD; treat it as a full window rather than forever.
    const ttlMs = ttl > 0 ? ttl : this.options.windowMs;
    return {
      failures,
      ttlMs,
      ...(this.options.window === 'sliding' ? { sinceLastFailureMs: Math.max(0, this.options.windowMs - ttlMs) } : {}),
    };
  }

  /** Counts one failure; resolves with the address's failures in the current window. */
  async recordFailure(address: string | undefined): Promise<number> {
    const result = await this.redis.eval(RECORD, 1, this.key(address), String(Math.max(1, Math.round(this.options.windowMs))), this.options.window);
    return Number(result);
  }

  async clear(address: string | undefined): Promise<void> {
    await this.redis.del(this.key(address));
  }

  private key(address: string | undefined): string {
    return this.keyOf(normalizeAddress(address));
  }
}
