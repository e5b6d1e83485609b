/**
 * What a handshake decision accepted, waiting for its connection to come up.
 * libsrt decides in the listen callback, before the handshake completes, and
 * hands over the connection afterwards; in between, a caller with a wrong
 * passphrase (libsrt rejects it after our decision) or one that gave up
 * leaves an entry behind. Each entry therefore expires: `onExpired` undoes
 * what the decision did (gives a publish's claim back).
 *
 * Entries are keyed by the caller's address, port and streamid, which is all
 * the connection carries to match its decision. A caller retrying from the
 * same socket replaces its own older entry (that one expires at once).
 */
export class SrtPendingAccepts<T> {
  private readonly entries = new Map<string, { value: T; timer: NodeJS.Timeout }>();

  constructor(
    private readonly timeoutMs: number,
    private readonly onExpired: (value: T) => void,
  ) {}

  static key(remoteAddress: string, remotePort: number, streamId: string): string {
    return `${remoteAddress}|${remotePort}|${streamId}`;
  }

  get size(): number {
    return this.entries.size;
  }

  add(key: string, value: T): void {
    const previous = this.entries.get(key);
    if (previous) {
      clearTimeout(previous.timer);
      this.entries.delete(key);
      this.onExpired(previous.value);
    }
    const timer = setTimeout(() => {
      if (this.entries.get(key)?.value !== value) return;
      this.entries.delete(key);
      this.onExpired(value);
    }, this.timeoutMs);
    timer.unref();
    this.entries.set(key, { value, timer });
  }

  /** The decision for a connection that came up; undefined when it expired (or never was). */
  take(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.entries.delete(key);
    return entry.value;
  }

  /** Removes (without expiring) and returns the entries matching `predicate`. */
  takeWhere(predicate: (value: T) => boolean): T[] {
    const taken: T[] = [];
    for (const [key, entry] of this.entries) {
      if (!predicate(entry.value)) continue;
      clearTimeout(entry.timer);
      this.entries.delete(key);
      taken.push(entry.value);
    }
    return taken;
  }

  /** Expires everything now (shutdown). */
  expireAll(): void {
    const values = [...this.entries.values()];
    this.entries.clear();
    for (const { value, timer } of values) {
      clearTimeout(timer);
      this.onExpired(value);
    }
  }
}
