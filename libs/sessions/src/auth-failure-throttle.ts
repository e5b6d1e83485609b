import { normalizeAddress } from './connection-limiter';

export interface AuthFailureThrottleOptions {
  /** Delay after the first failure; doubles with each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** From this many failures on, attempts are refused without asking the control plane. */
  maxFailures: number;
  /** A quiet address is forgotten after this long. */
  forgetAfterMs: number;
  /** Bound of the table, so a spray of addresses cannot grow memory without limit. */
  maxAddresses?: number;
  /** Attempts one address may have waiting for an answer at once; parallel guessing is refused beyond it. */
  maxPending?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  lastFailureAt: number;
}

export type ThrottleVerdict = { delayMs: number; blocked: boolean };

/**
 * The throttle's policy, wherever the count is kept: the delay doubles from
 * `baseDelayMs` with each failure up to `maxDelayMs`, and from `maxFailures`
 * on the address is refused outright. `retryAfterMs` (when the time since
 * the latest failure is known) says how long until that delay has passed,
 * for callers that cannot hold an answer back.
 */
export function throttleVerdict(
  failures: number,
  options: Pick<AuthFailureThrottleOptions, 'baseDelayMs' | 'maxDelayMs' | 'maxFailures'>,
  sinceLastFailureMs?: number,
): ThrottleVerdict & { retryAfterMs: number } {
  if (failures <= 0) return { delayMs: 0, blocked: false, retryAfterMs: 0 };
  const delayMs = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.min(failures - 1, 30));
  return { delayMs, blocked: failures >= options.maxFailures, retryAfterMs: Math.max(0, delayMs - (sinceLastFailureMs ?? 0)) };
}

/**
 * Slows down publish attempts from addresses that keep failing (wrong or
 * guessed keys): the answer to each further attempt is delayed
 * exponentially, and past `maxFailures` attempts are refused outright until
 * the address stays quiet for `forgetAfterMs`. Kept in memory per process:
 * an attacker spreading attempts over several processes gets each one's
 * budget (the SFU's WHIP uses it so; ingest counts cluster-wide with
 * ClusterAuthFailureThrottle, which falls back to this one).
 */
export class AuthFailureThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, number>();
  private readonly now: () => number;
  private readonly maxAddresses: number;

  constructor(private readonly options: AuthFailureThrottleOptions) {
    this.now = options.now ?? Date.now;
    this.maxAddresses = options.maxAddresses ?? 100_000;
  }

  verdict(address: string | undefined): ThrottleVerdict {
    const entry = this.current(normalizeAddress(address));
    const { delayMs, blocked } = throttleVerdict(entry?.failures ?? 0, this.options);
    return { delayMs, blocked };
  }

  /**
   * For callers that cannot hold an answer back (SRT decides inside libsrt's
   * handshake, where waiting stalls the whole port): how long until the
   * address's delay has passed since its last failure. An attempt refused
   * until then gets the same bound on guesses per second as a delayed one.
   */
  retryAfterMs(address: string | undefined): number {
    const entry = this.current(normalizeAddress(address));
    if (!entry) return 0;
    return Math.max(0, entry.lastFailureAt + this.verdict(address).delayMs - this.now());
  }

  /**
   * Reserves one of the address's concurrent attempts; false when it already
   * has `maxPending` in flight (else parallel connections would all pass the
   * verdict before the first failure is recorded). Pair with `finish`.
   */
  begin(address: string | undefined): boolean {
    const key = normalizeAddress(address);
    const current = this.pending.get(key) ?? 0;
    if (current >= (this.options.maxPending ?? 4)) return false;
    this.pending.set(key, current + 1);
    return true;
  }

  finish(address: string | undefined): void {
    const key = normalizeAddress(address);
    const left = (this.pending.get(key) ?? 1) - 1;
    if (left <= 0) this.pending.delete(key);
    else this.pending.set(key, left);
  }

  recordFailure(address: string | undefined): void {
    const key = normalizeAddress(address);
    const entry = this.current(key);
    // Re-inserting moves the key to the end, so the Map's order is least-recently-failed first.
    this.entries.delete(key);
    this.entries.set(key, { failures: (entry?.failures ?? 0) + 1, lastFailureAt: this.now() });
    while (this.entries.size > this.maxAddresses) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  recordSuccess(address: string | undefined): void {
    this.entries.delete(normalizeAddress(address));
  }

  private current(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && this.now() - entry.lastFailureAt > this.options.forgetAfterMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
