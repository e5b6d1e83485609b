export interface CacheEntry<V> {
  value: V;
  bytes: number;
  /** Epoch ms after which the entry is stale (still returned by `getStale`). */
  freshUntil: number;
  /** Epoch ms after which the entry is dropped altogether. */
  keepUntil: number;
}

/**
 * LRU cache bounded by total bytes (not entry count: a 3 MB segment and a
 * 400-byte playlist are not alike). Entries are fresh until `freshUntil`,
 * then stale (useful when the origin fails) until `keepUntil`.
 */
export class ByteLruCache<V> {
  private readonly entries = new Map<string, CacheEntry<V>>();
  private used = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  /** A fresh entry, or undefined. Counts as a use. */
  get(key: string): V | undefined {
    const entry = this.touch(key);
    return entry && entry.freshUntil > this.now() ? entry.value : undefined;
  }

  /** Any entry still kept, fresh or stale. */
  getStale(key: string): { value: V; fresh: boolean } | undefined {
    const entry = this.touch(key);
    return entry ? { value: entry.value, fresh: entry.freshUntil > this.now() } : undefined;
  }

  set(key: string, value: V, bytes: number, freshMs: number, keepMs = freshMs): void {
    this.delete(key);
    if (bytes > this.maxBytes) return;
    const now = this.now();
    this.entries.set(key, { value, bytes, freshUntil: now + freshMs, keepUntil: now + Math.max(freshMs, keepMs) });
    this.used += bytes;
    // Map iteration order is insertion order, and touch() re-inserts: the first entries are the least recently used.
    for (const [k, e] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.entries.delete(k);
      this.used -= e.bytes;
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.used -= entry.bytes;
  }

  /** Drops expired entries (called periodically; lookups also ignore them). */
  prune(): void {
    const now = this.now();
    for (const [k, e] of this.entries) if (e.keepUntil <= now) this.delete(k);
  }

  private touch(key: string): CacheEntry<V> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.keepUntil <= this.now()) {
      this.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }
}
