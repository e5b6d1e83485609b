import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { HlsOrigin } from '@mediaplane/contracts';
import { transcodeKeys } from '@mediaplane/sessions';

/** The media sequence number of the stub's first segment; it lists three (40, 41, 42). */
export const FIRST_MSN = 40;
export const SEGMENTS = [FIRST_MSN, FIRST_MSN + 1, FIRST_MSN + 2].map((n) => `s${n}.ts`);

/**
 * A stand-in transcode origin for edge tests: a fixed live rendition `240p`
 * (three 2 s segments of random bytes) served over HTTP the way workers
 * serve it (`/origin/hls/{streamId}/…`), counting every request it gets —
 * the edge's origin fetches — with its full URL, so a test sees exactly
 * what reaches the origin. `register` writes the origin entry a worker
 * keeps in Redis, so any edge of the namespace finds it.
 */
export class StubHlsOrigin {
  /** Full request URLs (path and query), in arrival order. */
  readonly requests: string[] = [];
  /** Bytes of each segment, by name. */
  readonly segments = new Map(SEGMENTS.map((name) => [name, randomBytes(188 * 400)]));
  private server?: Server;
  private baseUrl = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.requests.push(req.url ?? '');
      const body = this.answer(req);
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': body.type, 'content-length': body.bytes.length }).end(body.bytes);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/origin/hls`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Publishes the stream's origin entry (as a worker does) so edges of `namespace` fetch it from here. */
  async register(redis: Redis, namespace: string, streamId: string): Promise<void> {
    const entry: HlsOrigin = {
      streamId,
      sessionId: `stub-${streamId}`,
      worker: 'stub-origin',
      baseUrl: `${this.baseUrl}/${streamId}`,
      renditions: [{ name: '240p', width: 426, height: 240, bandwidth: 400_000, codecs: 'avc1.42c01e,mp4a.40.2' }],
      private: false,
      segmentSeconds: 2,
      live: true,
      updatedAt: new Date().toISOString(),
    };
    await redis.set(transcodeKeys(namespace).hlsOrigin(streamId), JSON.stringify(entry), 'PX', 600_000);
  }

  /** Requests that reached the origin for one stream's object (`master.m3u8`, `240p/index.m3u8`, `240p/s40.ts`…), with any query. */
  fetchesOf(streamId: string, object: string): string[] {
    const path = `/origin/hls/${streamId}/${object}`;
    return this.requests.filter((url) => url === path || url.startsWith(`${path}?`));
  }

  private answer(req: IncomingMessage): { type: string; bytes: Buffer } | undefined {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const m = /^\/origin\/hls\/[A-Za-z0-9_-]+\/(.+)$/.exec(path);
    const object = m?.[1];
    if (object === 'master.m3u8') {
      const text = ['#EXTM3U', '#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=426x240,CODECS="avc1.42c01e,mp4a.40.2"', '240p/index.m3u8', ''];
      return { type: 'application/vnd.apple.mpegurl', bytes: Buffer.from(text.join('\n')) };
    }
    if (object === '240p/index.m3u8') {
      const text = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', `#EXT-X-MEDIA-SEQUENCE:${FIRST_MSN}`];
      for (const name of SEGMENTS) text.push('#EXTINF:2.000,', name);
      return { type: 'application/vnd.apple.mpegurl', bytes: Buffer.from(`${text.join('\n')}\n`) };
    }
    const segment = object?.startsWith('240p/') ? this.segments.get(object.slice('240p/'.length)) : undefined;
    return segment ? { type: 'video/mp2t', bytes: segment } : undefined;
  }
}
