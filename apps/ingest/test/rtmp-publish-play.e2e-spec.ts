import { FlvDemuxer, type FlvTag } from '@mediaplane/codecs';
import { RtmpClientConnection, RtmpMessageType } from '@mediaplane/media-io';
import { ffmpegPublish, ffprobe, ffprobeFrames, killAllChildren, sleep, waitFor, type Publisher } from '@mediaplane/testing';
import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IngestHarness, ffprobeBytes, recordHttpFlv, recordWsFlv, type TestStream } from './ingest-harness';
import { DEFAULT_SEMI_SPACE_MB } from '../src/v8-heap-flags';

jest.setTimeout(120_000);

/** Reads an HTTP-FLV response for `ms`, returning each tag with the time it arrived. */
async function readFlv(url: string, ms: number): Promise<{ status: number; tags: Array<FlvTag & { at: number }>; bytes: Buffer; startedAt: number }> {
  const startedAt = Date.now();
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  if (res.status !== 200 || !res.body) return { status: res.status, tags: [], bytes: Buffer.alloc(0), startedAt };
  const demuxer = new FlvDemuxer();
  const tags: Array<FlvTag & { at: number }> = [];
  const chunks: Buffer[] = [];
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const buf = Buffer.from(chunk);
      chunks.push(buf);
      const at = Date.now();
      for (const tag of demuxer.push(buf)) tags.push({ ...tag, data: Buffer.from(tag.data), at });
    }
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  } finally {
    clearTimeout(timer);
  }
  return { status: 200, tags, bytes: Buffer.concat(chunks), startedAt };
}

const isVideoFrame = (t: FlvTag): boolean => t.type === 9 && t.data[1] === 1;
const isKeyframe = (t: FlvTag): boolean => isVideoFrame(t) && (t.data[0] ?? 0) >> 4 === 1;

describe('ingest RTMP publish and playback (FFmpeg publisher, real NATS/Redis)', () => {
  let harness: IngestHarness;
  let stream: TestStream;
  let publisher: Publisher;

  beforeAll(async () => {
    harness = await IngestHarness.start();
    stream = harness.addStream();
    // A 5 s GOP makes "no wait for the next keyframe" measurable.
    publisher = ffmpegPublish({ url: harness.rtmpUrl(stream.key), width: 640, height: 360, fps: 25, gopFrames: 125, videoBitrateKbps: 800 });
    await harness.waitLive(stream.id);
  });

  afterAll(async () => {
    await publisher?.stop();
    await harness?.stop();
    await killAllChildren();
  });

  it('announces the stream on JetStream with what the bitstream says', async () => {
    const started = await waitFor(() => harness.eventsFor(stream.id, 'started')[0], { what: 'streamStarted' });
    expect(started.payload).toMatchObject({
      streamId: stream.id,
      protocol: 'rtmp',
      media: {
        video: {
          codec: 'h264',
          codecString: expect.stringMatching(/^avc1\./),
          profile: expect.any(String),
          level: expect.any(Number),
          width: 640,
          height: 360,
          fps: 25,
        },
        audio: { codec: 'aac', codecString: 'mp4a.40.2', sampleRate: 44100, channels: 1 },
      },
    });
    expect(JSON.stringify(started.payload)).not.toContain(stream.key);
  });

  it('keeps the live state in Redis with media info, the measured bitrate and its pull URL', async () => {
    const state = await waitFor(
      async () => {
        const s = await harness.liveState(stream.id);
        return s && s.bitrateKbps > 300 ? s : undefined;
      },
      { what: 'bitrate in live state' },
    );
    expect(state.media.video).toMatchObject({ codec: 'h264', width: 640, height: 360, fps: 25 });
    expect(state.media.audio).toMatchObject({ codec: 'aac', sampleRate: 44100 });
    // 800 kb/s video + 96 kb/s audio, measured on what arrived.
    expect(state.bitrateKbps).toBeLessThan(2500);
    expect(state.pullUrl).toBe(`${harness.httpUrl}/live/${stream.id}.flv`);
    expect(state.private).toBe(false);
  });

  it.each(['rtmp', 'flv'] as const)('plays the stream back over %s with the published codecs, size and frame rate', async (protocol) => {
    const url = protocol === 'rtmp' ? harness.rtmpUrl(stream.id) : harness.flvUrl(stream.id);
    const probed = await ffprobe(url);
    const video = probed.streams.find((s) => s.codec_type === 'video');
    const audio = probed.streams.find((s) => s.codec_type === 'audio');
    expect(video).toMatchObject({ codec_name: 'h264', width: 640, height: 360, r_frame_rate: '25/1' });
    expect(audio).toMatchObject({ codec_name: 'aac', sample_rate: '44100', channels: 1 });
    // No stray data stream: metadata is placed where FFmpeg's FLV reader expects it.
    expect(probed.streams).toHaveLength(2);
  });

  it('plays the stream back over WebSocket-FLV', async () => {
    const { status, bytes } = await recordWsFlv(harness.wsFlvUrl(stream.id), 2500);
    expect(status).toBe('open');
    const probed = await ffprobeBytes(bytes);
    expect(probed.streams.find((s) => s['codec_type'] === 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360, r_frame_rate: '25/1' });
    expect(probed.streams.find((s) => s['codec_type'] === 'audio')).toMatchObject({ codec_name: 'aac', sample_rate: '44100' });
  });

  it.each(['flv', 'wsflv', 'rtmp'] as const)(
    'sends an up-to-date %s viewer its live batches straight to its socket through the fan-out addon, and the player decodes them',
    async (protocol) => {
      const sentWhole = () => harness.metric('mediaplane_ingest_fanout_direct_sends_total', { outcome: 'whole' });
      const before = await sentWhole();
      // Two and a half seconds of live stream each: a probe alone may be answered from the GOP cache (written through the sink).
      const probed =
        protocol === 'flv'
          ? await ffprobeBytes(await recordHttpFlv(harness.flvUrl(stream.id), 2500))
          : protocol === 'wsflv'
            ? await ffprobeBytes((await recordWsFlv(harness.wsFlvUrl(stream.id), 2500)).bytes)
            : await ffprobe(harness.rtmpUrl(stream.id), ['-analyzeduration', '2500000', '-probesize', '50000000']);
      expect(probed.streams.find((s) => s['codec_type'] === 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
      // The counter moves into the registry once a second.
      await waitFor(async () => ((await sentWhole()) > before ? true : undefined), { timeoutMs: 5000, what: 'direct sends to be counted' });
    },
  );

  it('reads a WebSocket-FLV URL as HTTP-FLV reads it: percent-encoded stream id, and no MPEG-TS pull over WebSocket', async () => {
    const percentEncoded = (id: string): string => [...Buffer.from(id)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
    const wsUrl = harness.wsFlvUrl(stream.id);
    const encodedUrl = wsUrl.replace(`/live/${stream.id}.flv`, `/live/${percentEncoded(stream.id)}.flv`);
    expect(encodedUrl).not.toBe(wsUrl);
    expect((await fetch(encodedUrl.replace(/^ws/, 'http'), { method: 'HEAD' })).status).toBe(200);
    const { status, bytes } = await recordWsFlv(encodedUrl, 300);
    expect(status).toBe('open');
    expect(bytes.subarray(0, 3).toString('latin1')).toBe('FLV');
    expect((await recordWsFlv(wsUrl.replace(/\.flv(\?|$)/, '.ts$1'), 100)).status).toBe(404);
  });

  it('gives a viewer joining mid-GOP a decodable first frame at once, without waiting for the next keyframe', async () => {
    // Joining within 40 ms of a keyframe would prove nothing; with a 5 s GOP a second try is mid-GOP.
    let read = await readFlv(harness.flvUrl(stream.id), 1500);
    const burstOf = (r: typeof read) => r.tags.filter(isVideoFrame).filter((f, _i, all) => f.at === all[0]?.at).length;
    if (burstOf(read) < 2) read = await readFlv(harness.flvUrl(stream.id), 1500);
    const { tags, bytes, startedAt } = read;
    const frames = tags.filter(isVideoFrame);
    const first = frames[0];
    expect(first && isKeyframe(first)).toBe(true);
    expect((first as { at: number }).at - startedAt).toBeLessThan(1000);
    // The cache delivered the GOP so far in the first burst: the stream was well past its keyframe.
    expect(burstOf(read)).toBeGreaterThan(1);
    // And FFmpeg decodes it as an I frame from the first picture on.
    const file = join(mkdtempSync(join(tmpdir(), 'ingest-e2e-')), 'join.flv');
    writeFileSync(file, bytes);
    const decoded = await ffprobeFrames(file, ['-select_streams', 'v', '-show_entries', 'frame=key_frame,pict_type']);
    expect(decoded[0]).toMatchObject({ key_frame: 1, pict_type: 'I' });
    expect(decoded.length).toBeGreaterThan(10);
  });

  it('counts viewers per protocol in the live state, and not internal pulls', async () => {
    const controllers = [new AbortController(), new AbortController()];
    const flv = await fetch(harness.flvUrl(stream.id), { signal: controllers[0]?.signal });
    const internal = await fetch(harness.flvUrl(stream.id, harness.token(stream.id, 'internal')), { signal: controllers[1]?.signal });
    void flv.body?.pipeTo(new WritableStream()).catch(() => undefined);
    void internal.body?.pipeTo(new WritableStream()).catch(() => undefined);
    const ws = recordWsFlv(harness.wsFlvUrl(stream.id), 6000);
    const rtmp = await RtmpClientConnection.connect({ host: '127.0.0.1', port: harness.rtmpPort, app: 'live' });
    let rtmpVideo = 0;
    rtmp.on('message', (m) => {
      if (m.typeId === RtmpMessageType.Video) rtmpVideo += 1;
    });
    const status = await rtmp.play(await rtmp.createStream(), stream.id);
    expect(status['code']).toBe('NetStream.Play.Reset');
    try {
      const state = await waitFor(
        async () => {
          const s = await harness.liveState(stream.id);
          return s?.viewers.flv === 1 && s.viewers.wsflv === 1 && s.viewers.rtmp === 1 ? s : undefined;
        },
        { what: 'viewers {rtmp:1, flv:1, wsflv:1}', timeoutMs: 10_000 },
      );
      expect(state.viewers).toEqual({ rtmp: 1, flv: 1, wsflv: 1, srt: 0 });
      // The gauges are refreshed every second, on their own timer: wait for the next refresh rather than race it.
      await waitFor(async () => (await harness.metric('mediaplane_ingest_internal_pulls')) === 1, { what: 'internal pull gauge at 1', timeoutMs: 5000 });
      expect(rtmpVideo).toBeGreaterThan(0);
    } finally {
      controllers.forEach((c) => c.abort());
      rtmp.close();
      await ws;
    }
    await waitFor(
      async () => {
        const s = await harness.liveState(stream.id);
        return s?.viewers.flv === 0 && s.viewers.wsflv === 0 && s.viewers.rtmp === 0;
      },
      { what: 'viewers back to 0', timeoutMs: 10_000 },
    );
  });

  describe('the internal snapshot route', () => {
    const path = () => `${harness.httpUrl}/internal/v1/streams/${stream.id}/snapshot.jpg`;

    it('serves the latest keyframe as a JPEG of the stream size to an internal token', async () => {
      const res = await fetch(path(), { headers: { authorization: `Bearer ${harness.token(stream.id, 'internal')}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const jpeg = Buffer.from(await res.arrayBuffer());
      expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
      const file = join(mkdtempSync(join(tmpdir(), 'ingest-e2e-')), 'snap.jpg');
      writeFileSync(file, jpeg);
      const probed = await ffprobe(file);
      expect(probed.streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 640, height: 360 });
    });

    it("refuses a missing token (401), a viewer token (403), another stream's token (403) and an unknown stream (404)", async () => {
      expect((await fetch(path())).status).toBe(401);
      expect((await fetch(path(), { headers: { authorization: `Bearer ${harness.token(stream.id, 'play')}` } })).status).toBe(403);
      expect((await fetch(path(), { headers: { authorization: `Bearer ${harness.token('other', 'internal')}` } })).status).toBe(403);
      const unknown = await fetch(`${harness.httpUrl}/internal/v1/streams/nope/snapshot.jpg`, {
        headers: { authorization: `Bearer ${harness.token('nope', 'internal')}` },
      });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    });
  });

  it("runs with V8's young generation capped and its old generation's own margin, whoever launched it (the ingest starts itself again with the cap, same pid)", () => {
    const pid = harness.app?.process.pid;
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(args.filter((a) => a.startsWith('--max-semi-space-size'))).toEqual([`--max-semi-space-size=${DEFAULT_SEMI_SPACE_MB}`]);
    expect(args.filter((a) => a.startsWith('--heap-growing-percent'))).toEqual([]);
  });

  it('answers HEAD on a live stream with the FLV headers only: the media headers, CORS, nosniff and CORP, no document policies', async () => {
    const res = await fetch(harness.flvUrl(stream.id), { method: 'HEAD', signal: AbortSignal.timeout(5000) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/x-flv');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(res.headers.get('content-security-policy')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBeNull();
  });

  it('answers a CORS preflight on a playback URL, and a method playback does not take with 405', async () => {
    const preflight = await fetch(harness.flvUrl(stream.id), {
      method: 'OPTIONS',
      headers: { origin: 'http://player.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('GET');
    const post = await fetch(harness.flvUrl(stream.id), { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(await post.json()).toMatchObject({ statusCode: 405 });
  });

  it('answers an unknown stream with a JSON 404 at once, with CORS headers', async () => {
    const started = Date.now();
    const res = await fetch(harness.flvUrl('not-live'));
    expect(res.status).toBe(404);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await recordWsFlv(harness.wsFlvUrl('not-live'), 100)).status).toBe(404);
  });

  it('ends the stream when the publisher leaves: streamEnded with the reason, live state released, viewers closed', async () => {
    const viewer = readFlv(harness.flvUrl(stream.id), 30_000);
    await sleep(500);
    await publisher.stop();
    const ended = await waitFor(() => harness.eventsFor(stream.id, 'ended')[0], { what: 'streamEnded' });
    expect(ended.payload).toMatchObject({ streamId: stream.id, reason: 'publisher_closed', protocol: 'rtmp' });
    expect(ended.payload['bytesIn']).toBeGreaterThan(100_000);
    expect(await harness.liveState(stream.id)).toBeUndefined();
    const result = await viewer;
    expect(Date.now() - result.startedAt).toBeLessThan(20_000);
    expect((await fetch(harness.flvUrl(stream.id))).status).toBe(404);
  });

  it('drains on SIGTERM: the publisher is ended with reason "shutdown" and the process exits 0', async () => {
    const second = harness.addStream();
    const pub = ffmpegPublish({ url: harness.rtmpUrl(second.key), width: 320, height: 240, fps: 25 });
    try {
      await harness.waitLive(second.id);
      const app = harness.app;
      harness.app = undefined;
      expect(await app?.stop()).toBe(0);
      const ended = await waitFor(() => harness.eventsFor(second.id, 'ended')[0], { what: 'streamEnded on shutdown' });
      expect(ended.payload['reason']).toBe('shutdown');
      expect(await harness.liveState(second.id)).toBeUndefined();
    } finally {
      await pub.stop();
    }
  });
});
