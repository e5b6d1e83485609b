import { spawnSync } from 'node:child_process';
import type { NodeInspector } from '@mediaplane/testing';
import { startFanoutFloor } from './fanout-floor-server';
import { startIngest } from './ingest-server';
import { startNginxRtmp } from './nginx-rtmp-server';
import type { RtmpPlayTarget } from './bench-viewers';
import type { Usage } from './proc-stats';
import type { PublishTarget } from './publish-outputs';
import type { SwarmConfig } from './swarm-messages';

/**
 * floor / nodefloor: the fan-out floor in C / in Node (fanout bench only): one write per viewer per video frame
 * and nothing else.
 */
export type ServerKind = 'ours' | 'nginx' | 'floor' | 'nodefloor';
/** flv: HTTP-FLV; wsflv: WebSocket-FLV (the same FLV bytes, one binary message per write). */
export type PlayProtocol = 'flv' | 'wsflv' | 'rtmp';

/** A server under measurement, whichever it is: where to publish, where to play, how to read its usage. */
export interface BenchServer {
  kind: ServerKind;
  /** Human label with the version, for reports. */
  label: string;
  protocols: PlayProtocol[];
  /** Where the bench publishes: RTMP, or plain FLV over TCP for the floor. */
  publish: PublishTarget;
  flvUrl: string | undefined;
  wsFlvUrl: string | undefined;
  rtmpPlay: RtmpPlayTarget | undefined;
  usage(): Usage;
  /** Frames the server itself says it skipped for slow viewers (ours only). */
  serverDrops(): Promise<number | undefined>;
  /** Ours started with `inspect`: its memory right after a full collection (the others have no such probe). */
  memoryAfterFullGc?: () => Promise<NodeJS.MemoryUsage>;
  /** Ours, started with `inspect`: its inspector (heap snapshots). */
  inspector?: () => Promise<NodeInspector>;
  logFile: string | undefined;
  /** Set once the server has gone away by itself (the floor exits when its publisher does). */
  failure?(): Error | undefined;
  stop(): Promise<void>;
}

/** `ingestEnv`: extra ingest settings (ours only), recorded in the result; `inspect`: ours with its inspector open. */
export async function startBenchServer(kind: ServerKind, options: { ingestEnv?: Record<string, string>; inspect?: boolean } = {}): Promise<BenchServer> {
  if (kind === 'floor' || kind === 'nodefloor') {
    const floor = await startFanoutFloor(kind === 'floor' ? 'c' : 'node');
    return {
      kind,
      label:
        kind === 'floor'
          ? 'C floor (HTTP-FLV: one write() per viewer per video frame from one epoll loop; no GOP cache)'
          : `Node floor (the C floor's behaviour in Node ${process.versions.node}: one socket.write per viewer per video frame)`,
      protocols: ['flv'],
      publish: { protocol: 'flv-tcp', host: '127.0.0.1', port: floor.publishPort },
      flvUrl: `http://127.0.0.1:${floor.viewerPort}/live/floor.flv`,
      wsFlvUrl: undefined,
      rtmpPlay: undefined,
      usage: () => floor.usage(),
      serverDrops: async () => undefined,
      logFile: undefined,
      failure: () => floor.failure(),
      stop: () => floor.stop(),
    };
  }
  if (kind === 'ours') {
    const ingest = await startIngest({ env: options.ingestEnv, inspect: options.inspect });
    return {
      kind,
      label: `mediaplane ingest (Node ${process.versions.node}${
        Object.keys(options.ingestEnv ?? {}).length
          ? `; ${Object.entries(options.ingestEnv ?? {})
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}`
          : ''
      })`,
      protocols: ['flv', 'wsflv', 'rtmp'],
      publish: { protocol: 'rtmp', host: '127.0.0.1', port: ingest.rtmpPort, app: 'live', streamName: ingest.streamKey },
      flvUrl: ingest.flvUrl(),
      wsFlvUrl: ingest.wsFlvUrl(),
      rtmpPlay: { host: '127.0.0.1', port: ingest.rtmpPort, app: 'live', name: ingest.streamId },
      usage: () => ingest.usage(),
      serverDrops: () => ingest.metric('mediaplane_ingest_viewer_drops_total'),
      ...(ingest.memoryAfterFullGc ? { memoryAfterFullGc: ingest.memoryAfterFullGc } : {}),
      ...(ingest.inspector ? { inspector: ingest.inspector } : {}),
      logFile: ingest.logFile,
      stop: () => ingest.stop(),
    };
  }
  const nginx = await startNginxRtmp();
  return {
    kind,
    label: `nginx-rtmp (${nginxVersion()}, 1 worker)`,
    // HTTP-FLV play needs nginx-http-flv-module, which Debian does not ship.
    protocols: ['rtmp'],
    publish: { protocol: 'rtmp', host: '127.0.0.1', port: nginx.port, app: 'live', streamName: 'bench' },
    flvUrl: undefined,
    wsFlvUrl: undefined,
    rtmpPlay: { host: '127.0.0.1', port: nginx.port, app: 'live', name: 'bench' },
    usage: () => nginx.usage(),
    serverDrops: async () => undefined,
    logFile: undefined,
    stop: () => nginx.stop(),
  };
}

const PROTOCOL_NAMES: Record<PlayProtocol, string> = { flv: 'HTTP-FLV', wsflv: 'WebSocket-FLV', rtmp: 'RTMP' };

/** Where to play `server` over `protocol`: its HTTP-FLV or WebSocket-FLV URL or its RTMP target; an error if it does not play that protocol. */
export function playTarget(server: BenchServer, protocol: 'flv' | 'wsflv'): string;
export function playTarget(server: BenchServer, protocol: 'rtmp'): RtmpPlayTarget;
export function playTarget(server: BenchServer, protocol: PlayProtocol): string | RtmpPlayTarget {
  const target = protocol === 'flv' ? server.flvUrl : protocol === 'wsflv' ? server.wsFlvUrl : server.rtmpPlay;
  if (!target) throw new Error(`${server.label} has no ${PROTOCOL_NAMES[protocol]} play`);
  return target;
}

/** The viewer swarm's orders for `count` viewers of `server` over `protocol`. */
export function swarmConfig(server: BenchServer, protocol: PlayProtocol, viewers: { count: number; fps: number; concurrency: number }): SwarmConfig {
  return protocol === 'rtmp' ? { protocol, ...viewers, ...playTarget(server, 'rtmp') } : { protocol, ...viewers, url: playTarget(server, protocol) };
}

function nginxVersion(): string {
  // nginx -v prints to stderr.
  const result = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  return /nginx\/[\d.]+/.exec(`${result.stderr}${result.stdout}`)?.[0] ?? 'nginx';
}
