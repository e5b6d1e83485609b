export interface ConnectionLimits {
  maxTotal: number;
  maxPerAddress: number;
}

/** A connection let in. `release` gives its place back; calling it again (close and error both fire) does nothing. */
export interface HeldConnection {
  readonly ok: true;
  release(): void;
}

export type ConnectionGrant = HeldConnection | { ok: false; reason: 'too_many_connections' | 'too_many_from_address' };

/**
 * Counts open media connections (RTMP, RTMPS, HTTP-FLV, WS-FLV) in total and
 * per remote address, so one address, or a flood, cannot take the node.
 * A grant's release is idempotent, so every close path may call it.
 */
export class ConnectionLimiter {
  private total = 0;
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly limits: ConnectionLimits) {}

  get open(): number {
    return this.total;
  }

  acquire(address: string | undefined): ConnectionGrant {
    const key = normalizeAddress(address);
    if (this.total >= this.limits.maxTotal) return { ok: false, reason: 'too_many_connections' };
    const current = this.perAddress.get(key) ?? 0;
    if (current >= this.limits.maxPerAddress) return { ok: false, reason: 'too_many_from_address' };
    this.total += 1;
    this.perAddress.set(key, current + 1);
    return new AddressSlot(this, key);
  }

  /** AddressSlot's release: one connection from `key` fewer. */
  free(key: string): void {
    this.total -= 1;
    const left = (this.perAddress.get(key) ?? 1) - 1;
    if (left <= 0) this.perAddress.delete(key);
    else this.perAddress.set(key, left);
  }
}

/**
 * A connection's place, given back once. Classes, not closures: a node holds one for every open
 * connection, and an object with a flag costs less than a release closure wrapped in a call-once closure.
 */
export abstract class HeldConnectionSlot implements HeldConnection {
  readonly ok = true;
  private released = false;

  release(): void {
    if (this.released) return;
    this.released = true;
    this.free();
  }

  /** Gives the place back (called once). */
  protected abstract free(): void;
}

/** One admitted connection's place in a ConnectionLimiter. */
class AddressSlot extends HeldConnectionSlot {
  constructor(
    private readonly limiter: ConnectionLimiter,
    private readonly key: string,
  ) {
    super();
  }

  protected free(): void {
    this.limiter.free(this.key);
  }
}

/**
 * `::ffff:1.2.3.4` and `1.2.3.4` are the same peer; case and surrounding
 * blanks do not make another one; a missing or empty address is its own
 * bucket. The one spelling every per-address limit and count uses.
 */
export function normalizeAddress(address: string | undefined): string {
  const trimmed = (address ?? '').trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(trimmed);
  return (mapped?.[1] ?? trimmed) || 'unknown';
}
