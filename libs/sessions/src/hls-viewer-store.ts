import type { Redis } from 'ioredis';
import { InstanceShareStore } from './instance-share-store';
import { hlsViewerKeys } from './redis-keys';

/**
 * Viewer counts that many instances contribute to, per stream (an
 * InstanceShareStore whose payload is the count); readers sum the current
 * shares.
 */
export class ViewerShareStore {
  private readonly shares: InstanceShareStore;

  constructor(redis: Redis, keyOf: (streamId: string) => string) {
    this.shares = new InstanceShareStore(redis, keyOf);
  }

  /**
   * This instance's current counts, valid for `ttlMs`. A count of 0
   * withdraws its share at once (report streams whose viewers left once with 0).
   */
  async report(instanceId: string, counts: ReadonlyMap<string, number>, ttlMs: number): Promise<void> {
    const payloads = new Map<string, string | undefined>();
    for (const [streamId, n] of counts) payloads.set(streamId, n >= 1 ? String(Math.floor(n)) : undefined);
    await this.shares.report(instanceId, payloads, ttlMs);
  }

  /** Viewers of one stream over every instance whose report is current. */
  async total(streamId: string): Promise<number> {
    return (await this.totals([streamId])).get(streamId) ?? 0;
  }

  /** As `total`, for many streams in few round trips. */
  async totals(streamIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const [streamId, shares] of await this.shares.current(streamIds)) {
      let sum = 0;
      for (const payload of shares.values()) {
        const n = Number(payload);
        if (Number.isFinite(n) && n > 0) sum += n;
      }
      out.set(streamId, sum);
    }
    return out;
  }
}

/**
 * HLS viewers per stream, cluster-wide. HLS is served by any number of
 * stateless edges, each counting its own viewers into
 * `{ns}:hls-viewers:{streamId}` (field = edge instance id).
 */
export class HlsViewerStore extends ViewerShareStore {
  constructor(redis: Redis, namespace: string) {
    super(redis, hlsViewerKeys(namespace).stream);
  }
}
