import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { streamContracts, type PublishAuthorizeResponse, type SrtPublishSettings } from '@mediaplane/contracts';
import { Bus, route, type WorkMessage } from '@mediaplane/messaging';
import { createLogger } from '@mediaplane/observability';
import {
  LiveStreamStore,
  formatSrtStreamId,
  generateStreamId,
  generateStreamKey,
  hashStreamKey,
  signPlaybackToken,
  type LiveStreamState,
} from '@mediaplane/sessions';
import { freePort, freeUdpPort, platformEnv, startApp, waitFor, type AppProcess, type PlatformEnv, stopHarness } from '@mediaplane/testing';

const NATS_URL = process.env['MEDIAPLANE_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const REDIS_URL = process.env['MEDIAPLANE_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export interface TestStream {
  id: string;
  key: string;
  private: boolean;
  /** The stream's SRT settings as the control plane would grant them (passphrase, key length, latency). */
  srt?: SrtPublishSettings;
}

export interface SrtUrlOptions {
  passphrase?: string;
  keyLength?: 16 | 24 | 32;
  latencyMs?: number;
  /** Another port than ingest's (a relay in front of it). */
  port?: number;
}

export interface RecordedEvent {
  subject: string;
  payload: Record<string, unknown>;
}

/**
 * An ingest process on an isolated namespace of the real NATS and Redis,
 * with the test playing the control plane: it answers publishAuthorize over
 * NATS from its own table of streams (a real round trip), and records the
 * durable stream events from JetStream.
 */
export class IngestHarness {
  app?: AppProcess;
  readonly streams: Map<string, TestStream>;
  readonly events: RecordedEvent[];
  authorizeRequests = 0;
  /** A second node of another harness's platform (startPeer): stopping it stops only its process. */
  private peer = false;
  httpPort = 0;
  rtmpPort = 0;
  rtmpsPort = 0;
  srtPort = 0;

  private constructor(
    readonly platform: PlatformEnv,
    readonly bus: Bus,
    readonly redis: Redis,
    readonly store: LiveStreamStore,
    shared?: IngestHarness,
  ) {
    this.streams = shared?.streams ?? new Map<string, TestStream>();
    this.events = shared?.events ?? [];
  }

  /**
   * Another ingest node on the same platform as `first` (same namespace,
   * secrets, NATS and Redis; its own ports and instance id): `first`'s fake
   * control plane authorizes its publishes, and its streams and recorded
   * events are `first`'s.
   */
  static async startPeer(first: IngestHarness, options: { env?: Record<string, string>; instanceId?: string } = {}): Promise<IngestHarness> {
    const peer = new IngestHarness(first.platform, first.bus, first.redis, first.store, first);
    peer.peer = true;
    peer.httpPort = await freePort();
    peer.rtmpPort = await freePort();
    peer.srtPort = await freeUdpPort();
    peer.app = await startApp('ingest', {
      httpPort: peer.httpPort,
      env: {
        ...first.platform.env,
        INGEST_RTMP_PORT: String(peer.rtmpPort),
        INGEST_SRT_PORT: String(peer.srtPort),
        INGEST_STATS_INTERVAL_MS: '1000',
        MEDIAPLANE_REQUEST_TIMEOUT_MS: '2000',
        ...(options.instanceId ? { MEDIAPLANE_INSTANCE_ID: options.instanceId } : {}),
        ...options.env,
      },
    });
    return peer;
  }

  /**
   * `respond: false`: nobody listens for publishAuthorize (no responders);
   * `'silent'`: a listener takes the request and never answers (a hung control plane).
   */
  static async start(
    options: { env?: Record<string, string>; respond?: boolean | 'silent'; rtmps?: { cert: string; key: string } } = {},
  ): Promise<IngestHarness> {
    const platform = platformEnv();
    const bus = await Bus.connect(NATS_URL, {
      namespace: platform.namespace,
      queueGroup: 'control-plane',
      logger: createLogger({ app: 'test', level: 'silent' }),
    });
    await bus.ensureJetStream();
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
    const harness = new IngestHarness(platform, bus, redis, new LiveStreamStore(redis, platform.namespace));
    if (options.respond === 'silent') bus.listen(streamContracts.publishAuthorize.subject, 'control-plane', async () => undefined);
    else if (options.respond !== false) harness.answerAuthorize();
    const record = (m: WorkMessage<Record<string, unknown>>) => {
      harness.events.push({ subject: m.subject, payload: m.payload });
    };
    await bus.durableConsumer(
      [route(streamContracts.streamStarted, record), route(streamContracts.streamEnded, record), route(streamContracts.publishRejected, record)],
      { durable: 'test-recorder', ackWaitMs: 30_000 },
    );
    harness.httpPort = await freePort();
    harness.rtmpPort = await freePort();
    harness.srtPort = await freeUdpPort();
    const env: Record<string, string> = {
      ...platform.env,
      INGEST_RTMP_PORT: String(harness.rtmpPort),
      INGEST_SRT_PORT: String(harness.srtPort),
      INGEST_STATS_INTERVAL_MS: '1000',
      MEDIAPLANE_REQUEST_TIMEOUT_MS: '2000',
      ...options.env,
    };
    if (options.rtmps) {
      harness.rtmpsPort = await freePort();
      Object.assign(env, { INGEST_RTMPS_PORT: String(harness.rtmpsPort), INGEST_TLS_CERT_FILE: options.rtmps.cert, INGEST_TLS_KEY_FILE: options.rtmps.key });
    }
    harness.app = await startApp('ingest', { httpPort: harness.httpPort, env });
    return harness;
  }

  get namespace(): string {
    return this.platform.namespace;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  rtmpUrl(name: string): string {
    return `rtmp://127.0.0.1:${this.rtmpPort}/live/${name}`;
  }

  /** An FFmpeg SRT URL (caller) for a streamid (see srtCallerUrl). */
  srtUrl(streamid: string, options: SrtUrlOptions = {}): string {
    return srtCallerUrl(options.port ?? this.srtPort, streamid, options);
  }

  srtPublishUrl(key: string, options: SrtUrlOptions = {}): string {
    return this.srtUrl(formatSrtStreamId({ mode: 'publish', streamKey: key }), options);
  }

  srtPlayUrl(streamId: string, token?: string, options: SrtUrlOptions = {}): string {
    return this.srtUrl(formatSrtStreamId({ mode: 'request', streamId, ...(token ? { token } : {}) }), options);
  }

  flvUrl(streamId: string, token?: string): string {
    return `${this.httpUrl}/live/${streamId}.flv${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  }

  wsFlvUrl(streamId: string, token?: string): string {
    return `ws://127.0.0.1:${this.httpPort}/live/${streamId}.flv${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  }

  /** A stream the fake control plane knows. */
  addStream(options: { private?: boolean; srt?: SrtPublishSettings } = {}): TestStream {
    const stream: TestStream = {
      id: generateStreamId(),
      key: generateStreamKey(),
      private: options.private ?? false,
      ...(options.srt ? { srt: options.srt } : {}),
    };
    this.streams.set(hashStreamKey(stream.key), stream);
    return stream;
  }

  token(streamId: string, scope: 'play' | 'internal' = 'play', ttlMs = 60_000): string {
    return signPlaybackToken(this.platform.playbackSecret, streamId, new Date(Date.now() + ttlMs), scope);
  }

  liveState(streamId: string): Promise<LiveStreamState | undefined> {
    return this.store.get(streamId);
  }

  eventsFor(streamId: string, action: 'started' | 'ended'): RecordedEvent[] {
    return this.events.filter((e) => e.subject === `ingest.v1.stream.${streamId}.${action}`);
  }

  rejections(): RecordedEvent[] {
    return this.events.filter((e) => e.subject === 'ingest.v1.publish.rejected');
  }

  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const text = await (await fetch(`${this.httpUrl}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  }

  /** Waits until the stream is live on ingest (HTTP-FLV answers 200). */
  async waitLive(streamId: string, timeoutMs = 20_000): Promise<void> {
    await waitFor(async () => (await this.liveState(streamId))?.media.video !== undefined, { timeoutMs, what: `stream ${streamId} live with media info` });
  }

  private answerAuthorize(): void {
    this.bus.respond(streamContracts.publishAuthorize, (request): PublishAuthorizeResponse => {
      this.authorizeRequests += 1;
      const stream = this.streams.get(request.keyHash);
      if (!stream) return { ok: false, reason: 'unknown_key', message: 'no stream has this key' };
      return { ok: true, streamId: stream.id, name: `test ${stream.id}`, private: stream.private, record: false, ...(stream.srt ? { srt: stream.srt } : {}) };
    });
  }

  async stop(): Promise<void> {
    const app = this.app;
    this.app = undefined;
    if (this.peer) {
      await app?.stop();
      return;
    }
    await stopHarness(app, this.namespace, this);
  }
}

/**
 * An FFmpeg `srt://` caller URL. FFmpeg 5.1 does not URL-decode `streamid`
 * (nor `passphrase`), so they go in as they are: `#`, `!`, `:`, `,` and `=`
 * pass through its option parser; only `&` would not (keys, ids and tokens
 * never hold one). Latency is in FFmpeg's microseconds.
 */
export function srtCallerUrl(port: number, streamid: string, options: Omit<SrtUrlOptions, 'port'> = {}): string {
  const query = [`mode=caller`, `latency=${(options.latencyMs ?? 120) * 1000}`, `streamid=${streamid}`];
  if (options.passphrase) query.push(`passphrase=${options.passphrase}`);
  if (options.keyLength) query.push(`pbkeylen=${options.keyLength}`);
  return `srt://127.0.0.1:${port}?${query.join('&')}`;
}

/** Collects an HTTP-FLV stream for `ms` and returns its bytes. */
export async function recordHttpFlv(url: string, ms: number): Promise<Buffer> {
  const response = await fetch(url, { signal: AbortSignal.timeout(ms + 10_000) });
  if (!response.ok || !response.body) throw new Error(`HTTP-FLV ${url}: ${response.status}`);
  const reader = response.body.getReader();
  const chunks: Buffer[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(Buffer.from(value));
  }
  await reader.cancel();
  return Buffer.concat(chunks);
}

/** Collects a WebSocket-FLV stream for `ms` and returns its bytes. */
export function recordWsFlv(url: string, ms: number): Promise<{ status: 'open' | number; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const chunks: Buffer[] = [];
    ws.on('message', (data: Buffer) => chunks.push(data));
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, bytes: Buffer.alloc(0) });
    });
    ws.on('open', () => setTimeout(() => ws.close(), ms));
    ws.on('close', () => resolve({ status: 'open', bytes: Buffer.concat(chunks) }));
    ws.on('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

/** ffprobe -show_streams on bytes given on stdin, read as `format` (FLV by default). */
export function ffprobeBytes(bytes: Buffer, format: 'flv' | 'mpegts' = 'flv'): Promise<{ streams: Array<Record<string, unknown>> }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', '-f', format, 'pipe:0'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.on('error', () => undefined);
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out) as { streams: Array<Record<string, unknown>> }) : reject(new Error(`ffprobe ${code}: ${err}`)),
    );
    child.stdin.end(bytes);
  });
}
