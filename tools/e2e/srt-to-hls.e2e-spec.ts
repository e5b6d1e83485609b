import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatSrtStreamId } from '@mediaplane/sessions';
import {
  adminApi,
  ffmpegPublish,
  ffprobe,
  ffprobeRenditions,
  freePort,
  freeUdpPort,
  killAllChildren,
  platformEnv,
  startApp,
  waitFor,
  type AppProcess,
  type Publisher,
} from '@mediaplane/testing';

jest.setTimeout(240_000);

interface CreatedStream {
  id: string;
  streamKey: string;
  ingest: { srt: string };
  playback: { hls: string; flv: string; srt: string };
}
interface StreamView {
  live: boolean;
  state: { protocol: string; link: { packetsReceived: number; latencyMs: number } | null; viewers: { srt?: number } } | null;
}

/**
 * An SRT publish feeds the same stream hub as RTMP, so everything downstream
 * works unchanged: the real control plane authorizes the key over NATS
 * (protocol `srt`), a transcode worker pulls the stream from ingest and the
 * edge serves every HLS rendition, and the API's snapshot decodes its
 * keyframe. Public ports only.
 */
describe('SRT publish → ingest → transcode → edge HLS, and the snapshot (the real platform)', () => {
  const platform = platformEnv();
  const work = mkdtempSync(join(tmpdir(), 'mp-srt-hls-'));
  let controlPlane: AppProcess;
  let ingest: AppProcess;
  let worker: AppProcess;
  let edge: AppProcess;
  let srtPort: number;
  let publisher: Publisher | undefined;
  const others: Publisher[] = [];
  const api = <T>(method: string, path: string, body?: unknown) => adminApi(controlPlane.httpUrl, platform.adminToken)<T>(method, path, body);

  beforeAll(async () => {
    srtPort = await freeUdpPort();
    const edgePort = await freePort();
    const env = platform.env;
    [controlPlane, edge] = await Promise.all([
      freePort().then((port) =>
        startApp('control-plane', {
          httpPort: port,
          // The API's SRT URLs name this ingest's port, so the test publishes with exactly what the API hands out.
          env: { ...env, MEDIAPLANE_PUBLIC_HLS_URL: `http://127.0.0.1:${edgePort}/hls`, MEDIAPLANE_PUBLIC_SRT_URL: `srt://127.0.0.1:${srtPort}` },
        }),
      ),
      startApp('edge', { httpPort: edgePort, env }),
    ]);
    [ingest, worker] = await Promise.all([
      freePort().then(async (port) =>
        startApp('ingest', { httpPort: port, env: { ...env, INGEST_RTMP_PORT: String(await freePort()), INGEST_SRT_PORT: String(srtPort) } }),
      ),
      freePort().then((port) => startApp('transcode', { httpPort: port, env: { ...env, TRANSCODE_WORK_DIR: work, TRANSCODE_RECORDINGS_DIR: join(work, 'recordings'), TRANSCODE_MAX_JOBS: '1' } })),
    ]);
  });

  afterAll(async () => {
    await publisher?.stop();
    await Promise.all(others.map((p) => p.stop()));
    await Promise.all([edge?.stop(), worker?.stop(), ingest?.stop(), controlPlane?.stop()]);
    await killAllChildren();
    rmSync(work, { recursive: true, force: true });
  });

  it('serves every HLS rendition of an SRT-published stream, each confirmed by ffprobe, its snapshot, and its recording', async () => {
    const stream = await api<CreatedStream>('POST', '/streams', { name: 'srt contribution', record: true });
    const streamid = formatSrtStreamId({ mode: 'publish', streamKey: stream.streamKey });
    publisher = ffmpegPublish({
      // FFmpeg 5.1 takes the streamid as it stands in the URL (no URL-decoding).
      url: `srt://127.0.0.1:${srtPort}?mode=caller&latency=120000&streamid=${streamid}`,
      format: 'mpegts',
      width: 854,
      height: 480,
      fps: 25,
      gopFrames: 50,
      videoBitrateKbps: 1200,
    });
    await waitFor(async () => (await api<StreamView>('GET', `/streams/${stream.id}`)).state?.protocol === 'srt', { timeoutMs: 30_000, what: 'live over SRT' });
    await waitFor(async () => (await fetch(stream.playback.hls)).status === 200, { timeoutMs: 40_000, intervalMs: 200, what: 'master.m3u8 on the edge' });

    const renditions = await ffprobeRenditions(stream.playback.hls);
    expect(renditions.length).toBeGreaterThanOrEqual(2);
    for (const r of renditions) {
      expect(r.summary).toEqual({ uri: r.variant.uri, codec: 'h264', size: `${r.variant.width}x${r.variant.height}` });
      expect(r.audio?.codec_name).toBe('aac');
    }

    const snapshot = await fetch(`${controlPlane.httpUrl}/api/v1/streams/${stream.id}/snapshot.jpg`, {
      headers: { authorization: `Bearer ${platform.adminToken}` },
    });
    expect(snapshot.status).toBe(200);
    const jpeg = Buffer.from(await snapshot.arrayBuffer());
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));

    // record: true — the worker records the SRT stream like an RTMP one; once the publisher leaves the file is complete and plays.
    await publisher.stop();
    publisher = undefined;
    const dir = join(work, 'recordings', stream.id);
    await waitFor(async () => ((await api<StreamView>('GET', `/streams/${stream.id}`)).live ? undefined : true), { timeoutMs: 15_000, what: 'the stream to end' });
    const file = await waitFor(
      () => {
        try {
          const done = readdirSync(dir).find((f) => f.endsWith('.ts') && statSync(join(dir, f)).size > 0);
          return done ? join(dir, done) : undefined;
        } catch {
          return undefined; // the directory appears with the first segment
        }
      },
      { timeoutMs: 30_000, what: 'the recording of the SRT stream' },
    );
    const recorded = await ffprobe(file);
    expect(recorded.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
  });

  it('takes the SRT publish URL the API gives for a stream with a passphrase (AES-256), refuses it without, and shows the link in the API', async () => {
    const stream = await api<CreatedStream>('POST', '/streams', {
      name: 'srt locked',
      srt: { passphrase: 'e2e-pass.phrase_42', keyLength: 32, latencyMs: 200 },
    });
    expect(stream.ingest.srt).toContain('passphrase=');
    const tiny = { format: 'mpegts' as const, width: 320, height: 180, fps: 25, gopFrames: 25, videoBitrateKbps: 300 };
    // Without the passphrase libsrt refuses the handshake: FFmpeg gives up and nothing goes live.
    const bare = ffmpegPublish({ ...tiny, url: stream.ingest.srt.replace(/&passphrase=[^&]*&pbkeylen=\d+/, ''), durationSec: 5 });
    others.push(bare);
    expect(await bare.exited).not.toBe(0);
    const right = ffmpegPublish({ ...tiny, url: stream.ingest.srt });
    others.push(right);
    const view = await waitFor(
      async () => {
        const v = await api<StreamView>('GET', `/streams/${stream.id}`);
        return v.state?.link && v.state.link.packetsReceived > 0 ? v : undefined;
      },
      { timeoutMs: 40_000, what: 'the live SRT link in the API' },
    );
    expect(view.state).toMatchObject({ protocol: 'srt', link: { latencyMs: 200 } });
    // And the API's SRT playback URL plays it (MPEG-TS).
    const probed = await ffprobe(stream.playback.srt);
    expect(probed.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
  });
});
