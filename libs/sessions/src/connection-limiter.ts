export interface ConnectionLimits {
  maxTotal: number;
  maxPerAddress: number;
}

export type ConnectionGrant = { ok: true; release: () => void } | { ok: false; reason: 'too_many_connections' | 'too_many_from_address' };

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
    return {
      ok: true,
      release: releaseOnce(() => {
        this.total -= 1;
        const left = (this.perAddress.get(key) ?? 1) - 1;
        if (left <= 0) this.perAddress.delete(key);
        else this.perAddress.set(key, left);
      }),
    };
  }
}

/** Wraps a release so that calling it again (close and error events both fire) does nothing. */
export function releaseOnce(release: () => void): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    release();
  };
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
