/**
 * The pull tickets (single-use internal tokens) this node has accepted, kept
 * until they expire: a ticket read from FFmpeg's command line (`ps`) after
 * FFmpeg connected opens nothing. In memory is enough: a ticket names this
 * node's pull URL, and it expires within seconds.
 */
export class UsedTickets {
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True the first time a nonce is presented (before it expires), false ever after. */
  claim(nonce: string, expiresAtMs: number): boolean {
    const now = this.now();
    for (const [key, expiry] of this.expiries) {
      // Insertion order is roughly expiry order; stop at the first live one.
      if (expiry > now && this.expiries.size <= this.maxEntries) break;
      this.expiries.delete(key);
    }
    if (this.expiries.has(nonce)) return false;
    this.expiries.set(nonce, expiresAtMs);
    return true;
  }
}
