import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { streamContracts, type PublishAuthorizeResponse } from '@mediaplane/contracts';
import { Bus } from '@mediaplane/messaging';
import { createLogger } from '@mediaplane/observability';
import { LiveStreamStore, generateStreamId, generateStreamKey, hashStreamKey, type LiveStreamState } from '@mediaplane/sessions';
import { NodeInspector, cleanupNamespace, freePort, freeUdpPort, spawnTracked, stopProcess, uniqueNamespace, waitFor } from '@mediaplane/testing';
import { WORKSPACE, benchDir } from './bench-paths';
import { processGroupUsage, type Usage } from './proc-stats';
import { forgetPid, rememberPid } from './stale-processes';
import { metricSum } from './prometheus-metric';

const NATS_URL = process.env['MEDIAPLANE_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const REDIS_URL = process.env['MEDIAPLANE_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const INGEST_MAIN = join(WORKSPACE, 'dist', 'apps', 'ingest', 'src', 'main.js');

export interface BenchStream {
  readonly id: string;
  readonly key: string;
}

export interface IngestUnderTest {
  readonly rtmpPort: number;
  /** The SRT listener's UDP port. */
  readonly srtPort: number;
  /** Every stream the bench may publish (`options.streams`; the first is streamId/streamKey). */
  readonly streams: readonly BenchStream[];
  readonly httpPort: number;
  readonly pgid: number;
  readonly namespace: string;
  /** The one stream the bench publishes: the key to publish with, the id to play. */
  readonly streamId: string;
  readonly streamKey: string;
  readonly logFile: string;
  flvUrl(streamId?: string): string;
  /** The same path over WebSocket (PLATFORM.md: ws://HOST:8081/live/{streamId}.flv). */
  wsFlvUrl(streamId?: string): string;
  /** The stream's live state in Redis (protocol, measured bitrate, link statistics), as the API would show it. */
  liveState(streamId: string): Promise<LiveStreamState | undefined>;
  usage(): Usage;
  /** Sum of a Prometheus metric's samples (all labels) from /metrics. */
  metric(name: string): Promise<number>;
  /** With `options.inspect`: the ingest's memory right after a full collection, over its inspector. */
  memoryAfterFullGc: (() => Promise<NodeJS.MemoryUsage>) | undefined;
  /** With `options.inspect`: the ingest's inspector (connected on first use, closed by stop). */
  inspector: (() => Promise<NodeInspector>) | undefined;
  stop(): Promise<void>;
}

/**
 * The compiled ingest app (dist/apps/ingest) as its own process on the real
 * NATS and Redis under a fresh namespace, with the bench playing the control
 * plane: it answers publishAuthorize over NATS for its streams (one unless
 * `options.streams` asks for more; the key hash is checked, as the control
 * plane would). Viewer limits are raised so
 * hundreds of loopback viewers from one address are allowed; everything else
 * is the production default. `inspect` opens its inspector on a loopback port, for
 * `memoryAfterFullGc` (an idle inspector costs the process nothing measurable).
 */
export async function startIngest(options: { env?: Record<string, string>; streams?: number; inspect?: boolean } = {}): Promise<IngestUnderTest> {
  if (!existsSync(INGEST_MAIN)) throw new Error(`${INGEST_MAIN} is missing: compile with \`npx tsc -p tsconfig.build.json\` (run.cjs does unless --no-build)`);
  const namespace = uniqueNamespace('bench');
  const streams: BenchStream[] = Array.from({ length: Math.max(1, options.streams ?? 1) }, () => ({ id: generateStreamId(), key: generateStreamKey() }));
  const byKeyHash = new Map(streams.map((s) => [hashStreamKey(s.key), s]));
  const { id: streamId, key: streamKey } = streams[0] as BenchStream;
  const bus = await Bus.connect(NATS_URL, {
    namespace,
    queueGroup: 'control-plane',
    name: 'bench-control-plane',
    logger: createLogger({ app: 'bench', level: 'silent' }),
  });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3, lazyConnect: false });
  bus.respond(streamContracts.publishAuthorize, (request): PublishAuthorizeResponse => {
    const stream = byKeyHash.get(request.keyHash);
    return stream
      ? { ok: true, streamId: stream.id, name: 'bench', private: false, record: false }
      : { ok: false, reason: 'unknown_key', message: 'not a bench stream' };
  });
  const httpPort = await freePort();
  const rtmpPort = await freePort();
  const srtPort = await freeUdpPort();
  const env: Record<string, string> = {
    MEDIAPLANE_NAMESPACE: namespace,
    MEDIAPLANE_NATS_URL: NATS_URL,
    MEDIAPLANE_REDIS_URL: REDIS_URL,
    MEDIAPLANE_PLAYBACK_SECRET: `bench-${randomBytes(16).toString('hex')}`,
    MEDIAPLANE_HTTP_HOST: '127.0.0.1',
    MEDIAPLANE_ADVERTISE_HOST: '127.0.0.1',
    MEDIAPLANE_LOG_LEVEL: 'info',
    INGEST_HTTP_PORT: String(httpPort),
    INGEST_RTMP_PORT: String(rtmpPort),
    INGEST_RTMPS_PORT: String(await freePort()),
    INGEST_SRT_PORT: String(srtPort),
    INGEST_MAX_CONNECTIONS: '20000',
    INGEST_MAX_CONNECTIONS_PER_ADDRESS: '20000',
    ...options.env,
  };
  const inspectPort = options.inspect ? await freePort() : undefined;
  if (inspectPort !== undefined) env['NODE_OPTIONS'] = [`--inspect=127.0.0.1:${inspectPort}`, options.env?.['NODE_OPTIONS']].filter(Boolean).join(' ');
  const logFile = join(benchDir('logs'), `ingest-${namespace}.log`);
  const log = createWriteStream(logFile);
  const child = spawnTracked(process.execPath, ['--require', join(WORKSPACE, 'tools', 'runtime', 'register-paths.cjs'), INGEST_MAIN], {
    cwd: WORKSPACE,
    env: { ...baseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  child.once('exit', () => log.end());
  const pgid = child.pid as number;
  rememberPid('ingest', pgid, INGEST_MAIN);
  let exited = false;
  child.once('exit', () => (exited = true));
  const httpUrl = `http://127.0.0.1:${httpPort}`;

  let inspector: Promise<NodeInspector> | undefined;
  const connectInspector = inspectPort === undefined ? undefined : () => (inspector ??= NodeInspector.connect(inspectPort));
  const cleanup = async (): Promise<void> => {
    await inspector?.then((i) => i.close()).catch(() => undefined);
    await stopProcess(child, 15_000);
    forgetPid('ingest');
    await cleanupNamespace(namespace, { nc: bus.nc, redis }).catch(() => undefined);
    await bus.close();
    redis.disconnect();
  };
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`ingest exited during start; see ${logFile}`);
        return (await fetch(`${httpUrl}/readyz`).catch(() => undefined))?.status === 200;
      },
      { timeoutMs: 60_000, what: `ingest /readyz (log: ${logFile})` },
    );
  } catch (error) {
    await cleanup();
    throw error;
  }
  const store = new LiveStreamStore(redis, namespace);
  return {
    rtmpPort,
    srtPort,
    streams,
    httpPort,
    pgid,
    namespace,
    streamId,
    streamKey,
    logFile,
    flvUrl: (id = streamId) => `${httpUrl}/live/${id}.flv`,
    wsFlvUrl: (id = streamId) => `${httpUrl.replace(/^http/, 'ws')}/live/${id}.flv`,
    liveState: (id) => store.get(id),
    usage: () => processGroupUsage(pgid),
    metric: (name) => metricSum(httpUrl, name),
    memoryAfterFullGc: connectInspector ? async () => (await connectInspector()).memoryUsageAfterGc() : undefined,
    inspector: connectInspector,
    stop: cleanup,
  };
}

/** The parent's PATH and locale without its MEDIAPLANE_* settings (the bench's own dist root among them). */
function baseEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('MEDIAPLANE_') && !k.startsWith('INGEST_')) out[k] = v;
  return out;
}
