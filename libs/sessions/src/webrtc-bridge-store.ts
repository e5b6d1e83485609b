import type { Redis } from 'ioredis';
import { z } from 'zod';
import { WebrtcBridgeModeSchema, type WebrtcBridgeView } from '@mediaplane/contracts';
import { InstanceShareStore } from './instance-share-store';
import { webrtcBridgeKeys } from './redis-keys';

/** What an SFU node says about its bridge of a stream. */
export const WebrtcBridgeShareSchema = z.object({
  mode: WebrtcBridgeModeSchema,
  viewers: z.number().int().nonnegative(),
  startedAt: z.string(),
});
export type WebrtcBridgeShare = z.infer<typeof WebrtcBridgeShareSchema>;

/**
 * The RTMP/SRT → WebRTC bridges running for each stream, cluster-wide. The
 * live-state entry belongs to the publishing session and only it writes
 * there; every SFU node reports its own bridges here instead, as its share
 * of `{ns}:webrtc-bridges:{streamId}` (field = node id, with a TTL), and the
 * control plane shows them, and counts their viewers, in the stream's state.
 */
export class WebrtcBridgeStore {
  private readonly shares: InstanceShareStore;

  constructor(redis: Redis, namespace: string) {
    this.shares = new InstanceShareStore(redis, webrtcBridgeKeys(namespace).stream);
  }

  /** This node's bridges per stream, valid for `ttlMs`; undefined withdraws the node's bridge of that stream. */
  async report(node: string, bridges: ReadonlyMap<string, WebrtcBridgeShare | undefined>, ttlMs: number): Promise<void> {
    const payloads = new Map<string, string | undefined>();
    for (const [streamId, bridge] of bridges) payloads.set(streamId, bridge ? JSON.stringify(bridge) : undefined);
    await this.shares.report(node, payloads, ttlMs);
  }

  /** The current bridges of each stream, by node id; a share that does not parse is left out. */
  async list(streamIds: readonly string[]): Promise<Map<string, WebrtcBridgeView[]>> {
    const out = new Map<string, WebrtcBridgeView[]>();
    for (const [streamId, shares] of await this.shares.current(streamIds)) {
      const bridges: WebrtcBridgeView[] = [];
      for (const [node, payload] of shares) {
        const parsed = WebrtcBridgeShareSchema.safeParse(parseJson(payload));
        if (parsed.success) bridges.push({ node, ...parsed.data });
      }
      out.set(
        streamId,
        bridges.sort((a, b) => a.node.localeCompare(b.node)),
      );
    }
    return out;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
