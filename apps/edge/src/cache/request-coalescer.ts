/**
 * One in-flight fetch per key: concurrent requests for the same object share
 * the first one's promise, so N viewers asking for a new segment at once cost
 * the origin one request.
 */
export class RequestCoalescer<V> {
  private readonly inflight = new Map<string, Promise<V>>();

  get pending(): number {
    return this.inflight.size;
  }

  /** `shared` is true when this call joined a fetch already under way. */
  run(key: string, fetch: () => Promise<V>): { result: Promise<V>; shared: boolean } {
    const existing = this.inflight.get(key);
    if (existing) return { result: existing, shared: true };
    const result = fetch().finally(() => this.inflight.delete(key));
    this.inflight.set(key, result);
    return { result, shared: false };
  }
}
