import type { Redis } from 'ioredis';
import type { PlaybackProtocol } from '@mediaplane/contracts';
import { ViewerShareStore } from './hls-viewer-store';
import { relayViewerKeys } from './redis-keys';

/** The play protocols an ingest node serves from a relay pull. */
export const RELAY_PLAY_PROTOCOLS = ['rtmp', 'flv', 'wsflv', 'srt'] as const satisfies readonly PlaybackProtocol[];
export type RelayPlayProtocol = (typeof RELAY_PLAY_PROTOCOLS)[number];
export type RelayViewerCounts = Partial<Record<RelayPlayProtocol, number>>;

/**
 * Viewers served by ingest nodes that relay a stream published elsewhere
 * ("play from any node"). The live-state entry belongs to the origin's
 * session and only it writes there; a relaying node reports its own
 * viewers here instead, per protocol, as its share of
 * `{ns}:relay-viewers:{protocol}:{streamId}` (field = node id, with a TTL,
 * like the edges' HLS viewers), and the control plane adds the sums to the
 * origin's counts.
 */
export class RelayViewerStore {
  private readonly shares: Record<RelayPlayProtocol, ViewerShareStore>;

  constructor(redis: Redis, namespace: string) {
    const keys = relayViewerKeys(namespace);
    this.shares = Object.fromEntries(RELAY_PLAY_PROTOCOLS.map((p) => [p, new ViewerShareStore(redis, (id) => keys.stream(p, id))])) as Record<
      RelayPlayProtocol,
      ViewerShareStore
    >;
  }

  /** This node's relay viewers per stream, valid for `ttlMs`; a stream reported with no viewers withdraws the node's share. */
  async report(node: string, counts: ReadonlyMap<string, RelayViewerCounts>, ttlMs: number): Promise<void> {
    await Promise.all(
      RELAY_PLAY_PROTOCOLS.map((protocol) =>
        this.shares[protocol].report(node, new Map([...counts].map(([streamId, c]) => [streamId, c[protocol] ?? 0])), ttlMs),
      ),
    );
  }

  /** Relay viewers per stream and protocol over every node whose report is current (protocols with none left out). */
  async totals(streamIds: readonly string[]): Promise<Map<string, RelayViewerCounts>> {
    const out = new Map<string, RelayViewerCounts>(streamIds.map((id) => [id, {}]));
    if (streamIds.length === 0) return out;
    const sums = await Promise.all(RELAY_PLAY_PROTOCOLS.map((protocol) => this.shares[protocol].totals(streamIds)));
    RELAY_PLAY_PROTOCOLS.forEach((protocol, i) => {
      for (const [streamId, n] of sums[i] ?? []) if (n > 0) (out.get(streamId) as RelayViewerCounts)[protocol] = n;
    });
    return out;
  }
}
