import { spawnSync } from 'node:child_process';
import { startIngest } from './ingest-server';
import { startNginxRtmp } from './nginx-rtmp-server';
import type { RtmpPlayTarget } from './bench-viewers';
import type { Usage } from './proc-stats';

export type ServerKind = 'ours' | 'nginx';
export type PlayProtocol = 'flv' | 'rtmp';

/** A server under measurement, whichever it is: where to publish, where to play, how to read its usage. */
export interface BenchServer {
  kind: ServerKind;
  /** Human label with the version, for reports. */
  label: string;
  protocols: PlayProtocol[];
  publish: { host: string; port: number; app: string; streamName: string };
  flvUrl: string | undefined;
  rtmpPlay: RtmpPlayTarget;
  usage(): Usage;
  /** Frames the server itself says it skipped for slow viewers (ours only). */
  serverDrops(): Promise<number | undefined>;
  logFile: string | undefined;
  stop(): Promise<void>;
}

/** `ingestEnv`: extra ingest settings (ours only), recorded in the result. */
export async function startBenchServer(kind: ServerKind, options: { ingestEnv?: Record<string, string> } = {}): Promise<BenchServer> {
  if (kind === 'ours') {
    const ingest = await startIngest({ env: options.ingestEnv });
    return {
      kind,
      label: `mediaplane ingest (Node ${process.versions.node}${
        Object.keys(options.ingestEnv ?? {}).length
          ? `; ${Object.entries(options.ingestEnv ?? {})
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}`
          : ''
      })`,
      protocols: ['flv', 'rtmp'],
      publish: { host: '127.0.0.1', port: ingest.rtmpPort, app: 'live', streamName: ingest.streamKey },
      flvUrl: ingest.flvUrl(),
      rtmpPlay: { host: '127.0.0.1', port: ingest.rtmpPort, app: 'live', name: ingest.streamId },
      usage: () => ingest.usage(),
      serverDrops: () => ingest.metric('mediaplane_ingest_viewer_drops_total'),
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
    publish: { host: '127.0.0.1', port: nginx.port, app: 'live', streamName: 'bench' },
    flvUrl: undefined,
    rtmpPlay: { host: '127.0.0.1', port: nginx.port, app: 'live', name: 'bench' },
    usage: () => nginx.usage(),
    serverDrops: async () => undefined,
    logFile: undefined,
    stop: () => nginx.stop(),
  };
}

function nginxVersion(): string {
  // nginx -v prints to stderr.
  const result = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  return /nginx\/[\d.]+/.exec(`${result.stderr}${result.stdout}`)?.[0] ?? 'nginx';
}
