import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlvDemuxer, FlvToMpegTsMuxer, opusPacketSamples, parseFlvVideoTagHeader, parseOpusHead, type FlvTag } from '@mediaplane/codecs';
import { RtmpClientConnection, RtmpMessageType, type RtmpMessage } from '@mediaplane/media-io';
import { execFileAsync, ffprobe, killAllChildren, waitFor } from '@mediaplane/testing';
import { enhancedRtmpPublish, type EnhancedRtmpPublisher } from './enhanced-rtmp-publisher';
import { IngestHarness, ffprobeBytes, type TestStream } from './ingest-harness';

jest.setTimeout(120_000);

/** The body of an endless HTTP response, read for `ms`. */
async function readHttp(url: string, ms: number, headers: Record<string, string> = {}): Promise<{ status: number; bytes: Buffer }> {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  if (res.status !== 200 || !res.body) return { status: res.status, bytes: Buffer.alloc(0) };
  const chunks: Buffer[] = [];
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  } finally {
    clearTimeout(timer);
  }
  return { status: 200, bytes: Buffer.concat(chunks) };
}

const videoHeaders = (tags: FlvTag[]) => tags.filter((t) => t.type === 9).map((t) => parseFlvVideoTagHeader(t.data));

/**
 * Enhanced RTMP in ingest, with a publisher built from our own pieces
 * (Debian's FFmpeg 5.1 cannot publish E-RTMP): libx265 + AAC/libopus into
 * MPEG-TS, our MpegTsToFlv writing E-RTMP 'hvc1'/'Opus' tags, our RTMP
 * client publishing them after a connect announcing `fourCcList`. Players:
 * HTTP-FLV read by our FLV demuxer and remuxed for ffprobe, FFmpeg 5.1's
 * ffprobe as a legacy RTMP player, our RTMP client with and without
 * `fourCcList`, the internal MPEG-TS pull read by ffprobe, the snapshot.
 */
describe("Enhanced RTMP publish and play (E-RTMP 'hvc1' HEVC and 'Opus', real NATS/Redis/FFmpeg)", () => {
  let harness: IngestHarness;
  let hevc: TestStream;
  let publisher: EnhancedRtmpPublisher;

  beforeAll(async () => {
    harness = await IngestHarness.start();
    hevc = harness.addStream();
    publisher = await enhancedRtmpPublish({ port: harness.rtmpPort, streamKey: hevc.key, width: 640, height: 360, fps: 25, gopFrames: 50 });
    await harness.waitLive(hevc.id);
  });

  afterAll(async () => {
    await publisher?.stop();
    await harness?.stop();
    await killAllChildren();
  });

  it('announces the stream as HEVC with the size from its SPS, and offers the MPEG-TS pull in the live state', async () => {
    const started = await waitFor(() => harness.eventsFor(hevc.id, 'started')[0], { what: 'streamStarted' });
    expect(started.payload).toMatchObject({
      streamId: hevc.id,
      protocol: 'rtmp',
      media: { video: { codec: 'hevc', profile: 'Main', width: 640, height: 360 }, audio: { codec: 'aac', sampleRate: 48000, channels: 1 } },
    });
    const state = await harness.liveState(hevc.id);
    expect(state?.pullUrlTs).toBe(`${harness.httpUrl}/live/${hevc.id}.ts`);
  });

  it("plays over HTTP-FLV as published: E-RTMP 'hvc1' tags, SequenceStart then a keyframe first, that ffprobe reads as 640x360 HEVC once remuxed", async () => {
    const { status, bytes } = await readHttp(harness.flvUrl(hevc.id), 3000);
    expect(status).toBe(200);
    const tags = new FlvDemuxer().push(bytes);
    const video = videoHeaders(tags);
    expect(video.length).toBeGreaterThan(20);
    expect(video.every((h) => h.isEnhanced && h.fourCc === 'hvc1')).toBe(true);
    expect(video[0]).toMatchObject({ isSequenceHeader: true, exPacketType: 0 });
    expect(video[1]).toMatchObject({ isKeyframe: true, isSequenceHeader: false });
    // FFmpeg 5.1 cannot read HEVC in FLV: our muxer turns the tags into MPEG-TS, which it reads.
    const muxer = new FlvToMpegTsMuxer();
    const ts = Buffer.concat(
      tags.flatMap((t) => muxer.push({ kind: t.type === 9 ? 'video' : t.type === 8 ? 'audio' : 'script', timestamp: t.timestamp, payload: t.data })),
    );
    expect(muxer.stats.droppedFrames).toBe(0);
    const probed = await ffprobeBytes(ts, 'mpegts');
    expect(probed.streams.find((s) => s['codec_type'] === 'video')).toMatchObject({ codec_name: 'hevc', width: 640, height: 360 });
    expect(probed.streams.find((s) => s['codec_type'] === 'audio')).toMatchObject({ codec_name: 'aac', sample_rate: '48000' });
  });

  describe('RTMP play', () => {
    it("refuses a legacy player (FFmpeg 5.1's ffprobe) with NetStream.Play.Failed naming the codec", async () => {
      const before = await harness.metric('mediaplane_ingest_play_refusals_total', { reason: 'codec_not_announced' });
      const failure = await execFileAsync('ffprobe', ['-v', 'error', '-rw_timeout', '10000000', '-show_streams', '-of', 'json', harness.rtmpUrl(hevc.id)], {
        timeout: 20_000,
      }).then(
        () => undefined,
        (error: { stderr?: string }) => error.stderr ?? '',
      );
      expect(failure).toBeDefined();
      expect(failure).toContain("stream video is HEVC (E-RTMP 'hvc1'); this player's connect did not announce it");
      await waitFor(async () => (await harness.metric('mediaplane_ingest_play_refusals_total', { reason: 'codec_not_announced' })) > before, {
        what: 'the refusal counted',
      });
    });

    async function playWith(connectProperties: Record<string, string[]> | undefined, ms: number) {
      const client = await RtmpClientConnection.connect({
        host: '127.0.0.1',
        port: harness.rtmpPort,
        app: 'live',
        ...(connectProperties ? { connectProperties } : {}),
      });
      client.on('error', () => undefined);
      const messages: RtmpMessage[] = [];
      client.on('message', (m) => messages.push(m));
      try {
        const streamId = await client.createStream();
        const status = await client.play(streamId, hevc.id);
        if (status['level'] === 'status') await new Promise((resolve) => setTimeout(resolve, ms));
        return { status, messages, server: client.serverProperties };
      } finally {
        client.close();
      }
    }

    it("gives a player whose connect announced 'hvc1' the E-RTMP tags, SequenceStart then keyframe", async () => {
      const { status, messages, server } = await playWith({ fourCcList: ['hvc1'] }, 1500);
      expect(status).toMatchObject({ level: 'status', code: 'NetStream.Play.Reset' });
      expect(server['fourCcList']).toEqual(expect.arrayContaining(['hvc1', 'Opus']));
      const video = messages.filter((m) => m.typeId === RtmpMessageType.Video).map((m) => parseFlvVideoTagHeader(m.payload));
      expect(video.length).toBeGreaterThan(10);
      expect(video.every((h) => h.fourCc === 'hvc1')).toBe(true);
      expect(video[0]?.isSequenceHeader).toBe(true);
      expect(video[1]).toMatchObject({ isKeyframe: true, isSequenceHeader: false });
    });

    it('refuses our own client when its connect announced no FourCC, and sends it no media', async () => {
      const { status, messages } = await playWith(undefined, 0);
      expect(status).toMatchObject({ level: 'error', code: 'NetStream.Play.Failed', description: expect.stringContaining("E-RTMP 'hvc1'") });
      expect(messages.filter((m) => m.typeId === RtmpMessageType.Video || m.typeId === RtmpMessageType.Audio)).toEqual([]);
    });
  });

  describe('the internal MPEG-TS pull', () => {
    it('serves the stream as TS to an internal token, which ffprobe reads as 640x360 HEVC + AAC', async () => {
      const { status, bytes } = await readHttp(`${harness.httpUrl}/live/${hevc.id}.ts`, 2500, {
        authorization: `Bearer ${harness.token(hevc.id, 'internal')}`,
      });
      expect(status).toBe(200);
      const probed = await ffprobeBytes(bytes, 'mpegts');
      expect(probed.streams.find((s) => s['codec_type'] === 'video')).toMatchObject({ codec_name: 'hevc', width: 640, height: 360 });
      expect(probed.streams.find((s) => s['codec_type'] === 'audio')).toMatchObject({ codec_name: 'aac' });
    });

    it('is refused to viewers (no token, a play token) and for streams not published here', async () => {
      const url = `${harness.httpUrl}/live/${hevc.id}.ts`;
      expect((await fetch(url)).status).toBe(403);
      expect((await fetch(url, { headers: { authorization: `Bearer ${harness.token(hevc.id, 'play')}` } })).status).toBe(403);
      const unknown = await fetch(`${harness.httpUrl}/live/nope.ts`, { headers: { authorization: `Bearer ${harness.token('nope', 'internal')}` } });
      expect(unknown.status).toBe(404);
    });
  });

  it('makes a JPEG snapshot of the HEVC keyframe, at the stream size', async () => {
    const res = await fetch(`${harness.httpUrl}/internal/v1/streams/${hevc.id}/snapshot.jpg`, {
      headers: { authorization: `Bearer ${harness.token(hevc.id, 'internal')}` },
    });
    expect(res.status).toBe(200);
    const jpeg = Buffer.from(await res.arrayBuffer());
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const file = join(mkdtempSync(join(tmpdir(), 'ingest-ertmp-')), 'snap.jpg');
    writeFileSync(file, jpeg);
    expect((await ffprobe(file)).streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 640, height: 360 });
  });

  // The profile names and AV1's level are what ffprobe 5.1 reads from the same encoders' output at this size
  // (av1: Main, seq_level_idx 0; vp9: Profile 0). libvpx states no level: VP9's comes from the vpcC that
  // IvfToFlv writes for 320x180 (level 1.1, VP9 Annex A), as OBS's would carry its encoder's.
  describe.each([
    ['av1', { codec: 'av1', codecString: 'av01.0.00M.08', profile: 'Main', level: 2, width: 320, height: 180 }],
    ['vp9', { codec: 'vp9', codecString: 'vp09.00.11.08', profile: 'Profile 0', level: 1.1, width: 320, height: 180 }],
  ] as const)('with %s video (IVF from FFmpeg, sent as E-RTMP tags)', (video, expected) => {
    let stream: TestStream;
    let ivfPublisher: EnhancedRtmpPublisher;

    beforeAll(async () => {
      stream = harness.addStream();
      ivfPublisher = await enhancedRtmpPublish({ port: harness.rtmpPort, streamKey: stream.key, width: 320, height: 180, fps: 25, video });
      await harness.waitLive(stream.id);
    });

    afterAll(async () => {
      await ivfPublisher?.stop();
    });

    it('announces the codec string, profile, level and size in stream.started', async () => {
      const started = await waitFor(() => harness.eventsFor(stream.id, 'started')[0], { what: 'streamStarted' });
      expect(started.payload).toMatchObject({ media: { video: expected } });
    });
  });

  describe("with Opus audio (libopus → E-RTMP 'Opus')", () => {
    let opus: TestStream;
    let opusPublisher: EnhancedRtmpPublisher;

    beforeAll(async () => {
      opus = harness.addStream();
      opusPublisher = await enhancedRtmpPublish({ port: harness.rtmpPort, streamKey: opus.key, width: 320, height: 180, fps: 25, audio: 'opus' });
      await harness.waitLive(opus.id);
    });

    afterAll(async () => {
      await opusPublisher?.stop();
    });

    it('announces Opus with its channels and 48 kHz', async () => {
      const started = await waitFor(() => harness.eventsFor(opus.id, 'started')[0], { what: 'streamStarted' });
      expect(started.payload).toMatchObject({
        media: { video: { codec: 'hevc', width: 320, height: 180 }, audio: { codec: 'opus', codecString: 'Opus', sampleRate: 48000, channels: 2 } },
      });
    });

    it("plays back over HTTP-FLV: the OpusHead SequenceStart first, then 'Opus' frames covering the time that passed", async () => {
      const { bytes } = await readHttp(harness.flvUrl(opus.id), 3000);
      const audio = new FlvDemuxer().push(bytes).filter((t) => t.type === 8);
      expect(audio.length).toBeGreaterThan(50);
      expect(audio.every((t) => t.data[0] !== undefined && t.data[0] >> 4 === 9 && t.data.toString('latin1', 1, 5) === 'Opus')).toBe(true);
      // SoundFormat 9 | SequenceStart, then the OpusHead: stereo.
      expect(audio[0]?.data[0]).toBe(0x90);
      expect(parseOpusHead((audio[0] as FlvTag).data.subarray(5)).channels).toBe(2);
      const frames = audio.slice(1);
      expect(frames.every((t) => t.data[0] === 0x91)).toBe(true);
      // Each packet's own duration (TOC) adds up to its timestamps' span: whole, decodable-looking Opus packets.
      const samples = frames.slice(0, -1).reduce((sum, t) => sum + opusPacketSamples(t.data.subarray(5)), 0);
      const spanMs = (frames[frames.length - 1] as FlvTag).timestamp - (frames[0] as FlvTag).timestamp;
      expect(Math.abs(samples / 48 - spanMs)).toBeLessThanOrEqual(25);
    });
  });
});
