import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminApi, ffprobe, ffprobeRenditions, freePort, killAllChildren, platformEnv, startApp, waitFor, type AppProcess } from '@mediaplane/testing';
import { enhancedRtmpPublish, type EnhancedRtmpPublisher } from '../../apps/ingest/test/enhanced-rtmp-publisher';

jest.setTimeout(240_000);

interface CreatedStream {
  id: string;
  streamKey: string;
  playback: { hls: string };
}
interface StreamView {
  live: boolean;
  state: { videoCodec: string | null; audioCodec: string | null; width: number | null; height: number | null } | null;
}

/**
 * An Enhanced RTMP HEVC publish on the real platform, public ports only: the
 * transcode worker reads the HEVC source from ingest's internal MPEG-TS pull
 * (Debian's FFmpeg 5.1 reads HEVC in neither E-RTMP nor codec-id-12 FLV) and
 * the edge serves an H.264 ladder; the API's snapshot decodes the HEVC
 * keyframe. The publisher is our own (libx265 → our TS→FLV 'hvc1' tags → our
 * RTMP client announcing fourCcList): FFmpeg 5.1 cannot publish E-RTMP.
 * An 'Opus' source goes through the same TS pull (FFmpeg 5.1 reads no E-RTMP
 * Opus in FLV) and its renditions carry AAC. AV1 and VP9, which the TS pull
 * cannot carry, reach FFmpeg as the FLV pull remuxed into Matroska by the worker
 * (with Opus or FLAC beside them), as do E-RTMP 'ac-3', 'ec-3' and 'fLaC'
 * sources, whose renditions carry AAC. AV1 and VP9 sources are recorded in
 * Matroska, their sound as it came.
 */
describe("E-RTMP 'hvc1', 'av01', 'vp09', 'Opus', 'ac-3', 'ec-3' and 'fLaC' publish → ingest → transcode → edge HLS (H.264 + AAC ladder), and the snapshot (the real platform)", () => {
  const platform = platformEnv();
  const work = mkdtempSync(join(tmpdir(), 'mp-ertmp-hls-'));
  let controlPlane: AppProcess;
  let ingest: AppProcess;
  let worker: AppProcess;
  let edge: AppProcess;
  let rtmpPort: number;
  let publisher: EnhancedRtmpPublisher | undefined;
  const api = <T>(method: string, path: string, body?: unknown) => adminApi(controlPlane.httpUrl, platform.adminToken)<T>(method, path, body);

  beforeAll(async () => {
    rtmpPort = await freePort();
    const edgePort = await freePort();
    const env = platform.env;
    [controlPlane, edge, ingest, worker] = await Promise.all([
      freePort().then((port) => startApp('control-plane', { httpPort: port, env: { ...env, MEDIAPLANE_PUBLIC_HLS_URL: `http://127.0.0.1:${edgePort}/hls` } })),
      startApp('edge', { httpPort: edgePort, env }),
      freePort().then(async (port) =>
        startApp('ingest', { httpPort: port, env: { ...env, INGEST_RTMP_PORT: String(rtmpPort), INGEST_SRT_PORT: String(await freePort()) } }),
      ),
      freePort().then((port) =>
        startApp('transcode', {
          httpPort: port,
          env: { ...env, TRANSCODE_WORK_DIR: work, TRANSCODE_RECORDINGS_DIR: join(work, 'recordings'), TRANSCODE_MAX_JOBS: '1' },
        }),
      ),
    ]);
  });

  afterAll(async () => {
    await publisher?.stop();
    await Promise.all([edge?.stop(), worker?.stop(), ingest?.stop(), controlPlane?.stop()]);
    await killAllChildren();
    rmSync(work, { recursive: true, force: true });
  });

  it('serves H.264 renditions of the HEVC source from the edge, and a JPEG snapshot', async () => {
    const stream = await api<CreatedStream>('POST', '/streams', { name: 'e-rtmp hevc' });
    publisher = await enhancedRtmpPublish({ port: rtmpPort, streamKey: stream.streamKey, width: 854, height: 480, fps: 25, gopFrames: 50 });
    const view = await waitFor(
      async () => {
        const v = await api<StreamView>('GET', `/streams/${stream.id}`);
        return v.state?.width ? v : undefined;
      },
      { timeoutMs: 30_000, what: 'live with its HEVC size in the API' },
    );
    expect(view.state).toMatchObject({ videoCodec: 'hevc', width: 854, height: 480 });
    await waitFor(async () => (await fetch(stream.playback.hls)).status === 200, { timeoutMs: 60_000, intervalMs: 200, what: 'master.m3u8 on the edge' });

    const renditions = await ffprobeRenditions(stream.playback.hls);
    expect(renditions.length).toBeGreaterThanOrEqual(2);
    for (const r of renditions) {
      // No HEVC passthrough: every rendition is an H.264 encode of the HEVC source.
      expect(r.summary).toEqual({ uri: r.variant.uri, codec: 'h264', size: `${r.variant.width}x${r.variant.height}` });
      expect(r.audio?.codec_name).toBe('aac');
    }
    expect(renditions.filter((r) => r.variant.uri.includes('source'))).toEqual([]);

    const snapshot = await fetch(`${controlPlane.httpUrl}/api/v1/streams/${stream.id}/snapshot.jpg`, {
      headers: { authorization: `Bearer ${platform.adminToken}` },
    });
    expect(snapshot.status).toBe(200);
    expect(snapshot.headers.get('content-type')).toBe('image/jpeg');
    const jpeg = Buffer.from(await snapshot.arrayBuffer());
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    await publisher.stop();
    publisher = undefined;
  });

  it.each([
    { audio: 'opus', pull: 'the TS pull' },
    { audio: 'ac3', pull: 'the FLV pull remuxed into Matroska' },
    { audio: 'eac3', pull: 'the FLV pull remuxed into Matroska' },
    { audio: 'flac', pull: 'the FLV pull remuxed into Matroska' },
  ] as const)('serves AAC renditions of an E-RTMP $audio source (H.264 video), which transcode reads from $pull', async ({ audio }) => {
    const stream = await api<CreatedStream>('POST', '/streams', { name: `e-rtmp ${audio}` });
    publisher = await enhancedRtmpPublish({
      port: rtmpPort,
      streamKey: stream.streamKey,
      width: 640,
      height: 360,
      fps: 25,
      gopFrames: 50,
      video: 'h264',
      audio,
    });
    try {
      const view = await waitFor(
        async () => {
          const v = await api<StreamView>('GET', `/streams/${stream.id}`);
          return v.state?.audioCodec ? v : undefined;
        },
        { timeoutMs: 30_000, what: `live with ${audio} audio in the API` },
      );
      expect(view.state).toMatchObject({ videoCodec: 'h264', audioCodec: audio });
      await waitFor(async () => (await fetch(stream.playback.hls)).status === 200, { timeoutMs: 60_000, intervalMs: 200, what: 'master.m3u8 on the edge' });
      const renditions = await ffprobeRenditions(stream.playback.hls);
      expect(renditions.length).toBeGreaterThanOrEqual(2);
      for (const r of renditions) {
        expect(r.summary.codec).toBe('h264');
        // The source's sound, re-encoded: FFmpeg 5.1 reads none of these from FLV, and without the TS / Matroska pull HLS had no audio.
        expect({ uri: r.variant.uri, audio: r.audio?.codec_name }).toEqual({ uri: r.variant.uri, audio: 'aac' });
      }
    } finally {
      // The worker runs one job at a time (TRANSCODE_MAX_JOBS=1): the next source's job starts once this stream ends.
      await publisher.stop();
      publisher = undefined;
    }
  });

  it.each([
    { video: 'av1', audio: 'opus' },
    { video: 'vp9', audio: 'flac' },
  ] as const)(
    'serves H.264 + AAC renditions of an E-RTMP $video + $audio source, which transcode reads from the FLV pull remuxed into Matroska, and records it in Matroska',
    async ({ video, audio }) => {
      const stream = await api<CreatedStream>('POST', '/streams', { name: `e-rtmp ${video}`, record: true });
      publisher = await enhancedRtmpPublish({ port: rtmpPort, streamKey: stream.streamKey, width: 854, height: 480, fps: 25, gopFrames: 50, video, audio });
      try {
        // The size, from the AV1 sequence header / the first VP9 keyframe, in the API's live state.
        const view = await waitFor(
          async () => {
            const v = await api<StreamView>('GET', `/streams/${stream.id}`);
            return v.state?.width ? v : undefined;
          },
          { timeoutMs: 30_000, what: `live with its ${video} size in the API` },
        );
        expect(view.state).toMatchObject({ videoCodec: video, width: 854, height: 480 });
        await waitFor(async () => ((await api<StreamView>('GET', `/streams/${stream.id}`)).state?.audioCodec === audio ? true : undefined), {
          timeoutMs: 10_000,
          what: `its ${audio} sound in the API`,
        });
        await waitFor(async () => (await fetch(stream.playback.hls)).status === 200, { timeoutMs: 60_000, intervalMs: 200, what: 'master.m3u8 on the edge' });
        const renditions = await ffprobeRenditions(stream.playback.hls);
        // 480p and 360p: the source's size came through (no upscaling, no passthrough of a codec other than H.264).
        expect(renditions.map((r) => r.summary)).toEqual(['854x480', '640x360'].map((size) => expect.objectContaining({ codec: 'h264', size })));
        expect(renditions.map((r) => r.audio?.codec_name)).toEqual(['aac', 'aac']);

        // record: true — MPEG-TS has no stream type for AV1 or VP9 in FFmpeg 5.1 (a copy would be private data), so the recording is Matroska.
        await publisher.stop();
        publisher = undefined;
        await waitFor(async () => ((await api<{ live: boolean }>('GET', `/streams/${stream.id}`)).live ? undefined : true), {
          timeoutMs: 15_000,
          what: 'the stream to end',
        });
        const dir = join(work, 'recordings', stream.id);
        const file = await waitFor(
          () => {
            try {
              const done = readdirSync(dir).find((f) => statSync(join(dir, f)).size > 0);
              return done ? join(dir, done) : undefined;
            } catch {
              return undefined; // the directory appears with the recording
            }
          },
          { timeoutMs: 30_000, what: `the recording of the ${video} stream` },
        );
        expect(file.endsWith('.mkv')).toBe(true);
        // Matroska carries the sound as it came, FLAC included.
        expect((await ffprobe(file)).streams.map((s) => s.codec_name)).toEqual([video, audio]);
      } finally {
        await publisher?.stop();
        publisher = undefined;
      }
    },
  );
});
