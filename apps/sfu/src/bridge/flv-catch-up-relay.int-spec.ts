import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { FLV_TAG_VIDEO, FlvDemuxer, encodeFlvHeader, encodeFlvTag } from '@mediaplane/codecs';
import { createLogger } from '@mediaplane/observability';
import { waitFor } from '@mediaplane/testing';
import { FlvCatchUpRelay } from './flv-catch-up-relay';

const AVC_CONFIG = Buffer.from([0x17, 0x00, 0, 0, 0, 0x01, 0x42, 0xc0, 0x1e]);
const frame = (key: boolean) => Buffer.concat([Buffer.from([key ? 0x17 : 0x27, 0x01, 0, 0, 0]), Buffer.alloc(4000, 0x41)]);

/**
 * The relay between the ingest's HTTP-FLV and the bridge's FFmpeg, over real
 * sockets: an HTTP server plays the ingest (a cached GOP in one write, then
 * live frames in real time), a TCP client plays FFmpeg.
 */
describe('FlvCatchUpRelay', () => {
  let ingest: Server;
  let relay: FlvCatchUpRelay;
  const requested: string[] = [];

  beforeAll(async () => {
    ingest = createServer((req, res) => {
      requested.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'video/x-flv' });
      // 2 s of cache (25 fps) at once, from media time 60 000 ms…
      const cache = [encodeFlvHeader({ audio: false, video: true }), encodeFlvTag(FLV_TAG_VIDEO, 60_000, AVC_CONFIG)];
      for (let i = 0; i < 50; i++) cache.push(encodeFlvTag(FLV_TAG_VIDEO, 60_000 + i * 40, frame(i === 0)));
      res.write(Buffer.concat(cache));
      // …then live frames as an encoder makes them.
      let n = 50;
      const timer = setInterval(() => {
        res.write(encodeFlvTag(FLV_TAG_VIDEO, 60_000 + n * 40, frame(false)));
        if (++n === 60) {
          clearInterval(timer);
          res.end();
        }
      }, 40);
    });
    ingest.listen(0, '127.0.0.1');
    await once(ingest, 'listening');
    const port = (ingest.address() as { port: number }).port;
    let token = 0;
    relay = new FlvCatchUpRelay(() => `http://127.0.0.1:${port}/live/s1.flv?token=t${++token}`, createLogger({ app: 'test', level: 'silent' }));
  });

  afterAll(() => {
    relay.close();
    ingest.close();
  });

  it('passes every frame, squeezes the cached burst into a moment and keeps live frames 40 ms apart, pacing the burst', async () => {
    const url = new URL(await relay.listen());
    expect(url.hostname).toBe('127.0.0.1');
    const client = connect(Number(url.port), '127.0.0.1');
    const demuxer = new FlvDemuxer();
    const stamps: number[] = [];
    const startedAt = performance.now();
    let cacheReadAfter = 0;
    client.on('data', (chunk: Buffer) => {
      for (const tag of demuxer.push(chunk)) {
        stamps.push(tag.timestamp);
        if (stamps.length === 51) cacheReadAfter = performance.now() - startedAt;
      }
    });
    await once(client, 'end');
    await waitFor(() => stamps.length === 61, { timeoutMs: 2000, what: 'config + 60 frames' });
    expect(demuxer.header).toMatchObject({ hasVideo: true, hasAudio: false });
    const frames = stamps.slice(1);
    for (let i = 1; i < frames.length; i++) expect(frames[i]).toBeGreaterThan(frames[i - 1] as number);
    // The 2 s of cache now spans well under a second of timestamps…
    expect((frames[49] as number) - (frames[0] as number)).toBeLessThan(300);
    // …and the last live frames keep the encoder's spacing (loosely: timers jitter).
    const lastGap = (frames[59] as number) - (frames[58] as number);
    expect(lastGap).toBeGreaterThanOrEqual(20);
    expect(lastGap).toBeLessThanOrEqual(60);
    // 200 KB of cache at 2 MB/s: held for tens of ms, not sent in one go.
    expect(cacheReadAfter).toBeGreaterThan(50);
    expect(requested).toEqual(['/live/s1.flv?token=t1']);
  });
});
