import type { NodeHeartbeat } from '@mediaplane/contracts';

/** An ingest node the bridge pushes to: its RTMP listener, and the HTTP-FLV base others pull from. */
export interface IngestTarget {
  instanceId: string;
  rtmpBase: string;
  httpBase: string;
}

/**
 * The ready ingest node carrying the fewest streams, from the cluster view
 * (heartbeats in Redis), or undefined when there is none. Nodes without an
 * RTMP or HTTP port in their heartbeat cannot take a relay.
 */
export function pickIngest(nodes: readonly NodeHeartbeat[]): IngestTarget | undefined {
  const candidates = nodes
    .filter((n) => n.app === 'ingest' && n.ready && n.ports['rtmp'] && n.ports['http'])
    .sort((a, b) => (a.load.units['streams'] ?? 0) - (b.load.units['streams'] ?? 0) || a.instanceId.localeCompare(b.instanceId));
  const node = candidates[0];
  if (!node) return undefined;
  const host = node.host.includes(':') ? `[${node.host}]` : node.host;
  return { instanceId: node.instanceId, rtmpBase: `rtmp://${host}:${node.ports['rtmp']}`, httpBase: `http://${host}:${node.ports['http']}` };
}

/** Where the ingest serves a stream over HTTP-FLV: the pull URL transcode, edge and snapshots use. */
export function ingestPullUrl(target: IngestTarget, streamId: string): string {
  return `${target.httpBase}/live/${streamId}.flv`;
}
