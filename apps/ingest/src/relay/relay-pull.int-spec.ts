import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { FLV_TAG_SCRIPT, FLV_TAG_VIDEO, FlvDemuxer, encodeFlvHeader, encodeFlvTag } from '@mediaplane/codecs';
import { flvHubEncoder } from '@mediaplane/media-io';
import { createLogger } from '@mediaplane/observability';
import { LiveStreamStore, verifyPlaybackToken, type LiveStreamState } from '@mediaplane/sessions';
import { uniqueNamespace, waitFor } from '@mediaplane/testing';
import { IngestMetrics } from '../observability/ingest-metrics';
import { RelayPull, isOnMetaData } from './relay-pull';

const SECRET = 'relay-spec-secret';
const metadata = Buffer.from([0x02, 0x00, 0x0a, ...Buffer.from('onMetaData'), 0x08, 0, 0, 0, 0, 0, 0, 9]);
const videoConfig = Buffer.from('1700000000014d400affe10017674d400aeca6b6022000000300200000030281e244b2c001000568ce039c80', 'hex');
const frame = (key: boolean): Buffer => Buffer.concat([Buffer.from([key ? 0x17 : 0x27, 0x01, 0, 0, 0]), Buffer.alloc(200, key ? 0x65 : 0x41)]);

/** A stand-in origin ingest node: serves an endless FLV (a frame every 40 ms) to pulls that bring a valid pull ticket, until its stream ends. */
class FakeOrigin {
  readonly server: Server;
  readonly responses = new Set<ServerResponse>();
  pulls = 0;
  /** Set by endAll: like a real origin after its session ended, it answers 404 from then on. */
  private ended = false;
  private timestamp = 0;

  constructor(private readonly streamId: string) {
    this.server = createServer((req, res) => {
      const token = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
      const verdict = verifyPlaybackToken(SECRET, token, this.streamId);
      if (!verdict.ok || verdict.claims.scope !== 'internal' || !verdict.claims.nonce) {
        res.writeHead(403).end();
        return;
      }
      if (this.ended) {
        res.writeHead(404).end();
        return;
      }
      this.pulls += 1;
      res.writeHead(200, { 'content-type': 'video/x-flv' });
      res.write(Buffer.concat([encodeFlvHeader({ audio: false, video: true }), encodeFlvTag(FLV_TAG_SCRIPT, 0, metadata), encodeFlvTag(FLV_TAG_VIDEO, this.timestamp, videoConfig)]));
      this.responses.add(res);
      res.once('close', () => this.responses.delete(res));
    });
    const timer = setInterval(() => {
      this.timestamp += 40;
      const tag = encodeFlvTag(FLV_TAG_VIDEO, this.timestamp, frame(this.timestamp % 1000 === 0));
      for (const res of this.responses) res.write(tag);
    }, 40);
    timer.unref();
    this.server.once('close', () => clearInterval(timer));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/live/${this.streamId}.flv`;
  }

  /** The publisher went away: every pull's response ends. */
  endAll(): void {
    this.ended = true;
    for (const res of this.responses) res.end();
  }

  close(): Promise<void> {
    this.endAll();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

jest.setTimeout(30_000);

describe('RelayPull (real Redis live state, stand-in origins over HTTP)', () => {
  const redis = new Redis(process.env['MEDIAPLANE_REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const ns = uniqueNamespace('relay');
  const liveStore = new LiveStreamStore(redis, ns);
  const metrics = new IngestMetrics(new Registry());
  const origins: FakeOrigin[] = [];
  const pulls: RelayPull[] = [];

  afterAll(async () => {
    for (const pull of pulls) pull.close('test over');
    await Promise.all(origins.map((o) => o.close()));
    const keys = await redis.keys(`${ns}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    metrics.onModuleDestroy();
  });

  async function origin(streamId: string): Promise<{ fake: FakeOrigin; url: string }> {
    const fake = new FakeOrigin(streamId);
    origins.push(fake);
    return { fake, url: await fake.listen() };
  }

  function state(streamId: string, node: string, pullUrl: string, sessionId: string): LiveStreamState {
    const now = new Date().toISOString();
    return { streamId, sessionId, node, pullUrl, protocol: 'rtmp', private: false, startedAt: now, updatedAt: now, media: {}, bitrateKbps: 0, viewers: {} };
  }

  function relay(initial: LiveStreamState, lingerMs = 60_000): { pull: RelayPull; closed: Promise<void> } {
    let onClosed: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (onClosed = resolve));
    const pull = new RelayPull(initial, {
      streamId: initial.streamId,
      node: 'this-node',
      liveStore,
      playbackSecret: SECRET,
      lingerMs,
      reconnectMs: 5000,
      idleTimeoutMs: 5000,
      maxTagBytes: 1 << 20,
      logger: createLogger({ app: 'test', level: 'silent' }),
      metrics,
      hub: { maxViewerQueueBytes: 1 << 20, viewerStallTimeoutMs: 10_000, gopCacheMaxBytes: 1 << 20 },
      onClosed: () => onClosed(),
    });
    pulls.push(pull);
    pull.start();
    return { pull, closed };
  }

  /** A local viewer of the relay's hub: the FLV it receives, demuxed. */
  function viewer(pull: RelayPull): { timestamps: number[]; closedWith: () => string | undefined } {
    const demuxer = new FlvDemuxer();
    const timestamps: number[] = [];
    let closedWith: string | undefined;
    pull.hub.addViewer({
      id: `v-${Math.random()}`,
      protocol: 'flv',
      counted: true,
      encoder: flvHubEncoder,
      sink: {
        write: (data) => {
          for (const tag of demuxer.push(Buffer.isBuffer(data) ? data : Buffer.concat(data))) if (tag.type === FLV_TAG_VIDEO && tag.data[1] === 1) timestamps.push(tag.timestamp);
        },
        bufferedBytes: 0,
        close: (reason) => (closedWith = reason),
      },
    });
    return { timestamps, closedWith: () => closedWith };
  }

  it('recognises onMetaData script tags', () => {
    expect(isOnMetaData(metadata)).toBe(true);
    expect(isOnMetaData(Buffer.from([0x02, 0x00, 0x0a, ...Buffer.from('onTextData')]))).toBe(false);
    expect(isOnMetaData(Buffer.from([0x02]))).toBe(false);
  });

  it('follows the stream to its new origin when the pull breaks while the stream is live (a takeover on another node)', async () => {
    const streamId = 'relay-takeover';
    const first = await origin(streamId);
    const second = await origin(streamId);
    const initial = state(streamId, 'node-1', first.url, 'session-1');
    await liveStore.claim(initial, 30_000);
    const { pull } = relay(initial);
    expect(await pull.ready).toBe(true);
    const watcher = viewer(pull);
    await waitFor(() => watcher.timestamps.length >= 5, { what: 'frames from the first origin' });
    // The publisher moved: the live state names another node and session, then the old origin ends its pulls.
    await liveStore.release(streamId, 'session-1');
    await liveStore.claim(state(streamId, 'node-2', second.url, 'session-2'), 30_000);
    first.fake.endAll();
    const before = watcher.timestamps.length;
    await waitFor(() => second.fake.pulls === 1 && watcher.timestamps.length >= before + 5, { what: 'frames from the second origin' });
    expect(pull.originNode).toBe('node-2');
    expect(watcher.closedWith()).toBeUndefined();
    // The viewer's timeline never goes back across the switch.
    expect(watcher.timestamps.every((t, i) => i === 0 || t >= (watcher.timestamps[i - 1] as number))).toBe(true);
    pull.close('test over');
  });

  it('ends the stream for its viewers when the origin ends it and the live state is gone', async () => {
    const streamId = 'relay-end';
    const only = await origin(streamId);
    const initial = state(streamId, 'node-1', only.url, 'session-1');
    await liveStore.claim(initial, 30_000);
    const { pull, closed } = relay(initial);
    expect(await pull.ready).toBe(true);
    const watcher = viewer(pull);
    await waitFor(() => watcher.timestamps.length >= 2, { what: 'frames' });
    // As on a real origin: viewers are closed first, the live state released a moment later.
    only.fake.endAll();
    setTimeout(() => void liveStore.release(streamId, 'session-1'), 100);
    await closed;
    expect(watcher.closedWith()).toBe('stream ended');
    expect(pull.isEnded).toBe(true);
  });

  it('goes away after the linger once its last viewer left, and not while a viewer is attached', async () => {
    const streamId = 'relay-linger';
    const only = await origin(streamId);
    const initial = state(streamId, 'node-1', only.url, 'session-1');
    await liveStore.claim(initial, 30_000);
    const { pull, closed } = relay(initial, 300);
    expect(await pull.ready).toBe(true);
    pull.viewerJoining();
    const id = 'lingering-viewer';
    pull.hub.addViewer({ id, protocol: 'rtmp', counted: true, encoder: flvHubEncoder, sink: { write: () => undefined, bufferedBytes: 0, close: () => undefined } });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(pull.isEnded).toBe(false);
    const left = Date.now();
    pull.hub.removeViewer(id);
    await closed;
    expect(Date.now() - left).toBeGreaterThanOrEqual(250);
    await waitFor(() => only.fake.responses.size === 0, { what: 'the origin connection dropped' });
  });
});
