import type { Browser } from 'playwright-core';
import {
  BrowserRtcClient,
  adminApi,
  ffmpegPublish,
  ffprobe,
  freePort,
  freeRtcPortRange,
  killAllChildren,
  launchChromium,
  platformEnv,
  startApp,
  waitFor,
  type AppProcess,
} from '@mediaplane/testing';
import { availableEngines } from './sfu-engines';

jest.setTimeout(180_000);

interface CreatedStream {
  id: string;
  streamKey: string;
  playback: { hls: string };
}

interface ProbedStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
}

const { engines } = availableEngines();
// The production engine carries the whole run; werift (pure TypeScript) gets a second SFU and a case of its own.
const engine = engines.includes('mediasoup') ? 'mediasoup' : 'werift';
if (engine !== 'mediasoup') process.stdout.write('[whip→ingest e2e] no mediasoup worker here: the whole run uses the werift engine\n');

/**
 * Chromium publishes over WHIP to a real SFU (mediasoup), whose bridge relays
 * the stream into a real ingest; ffprobe then reads it where any RTMP stream
 * is read: HTTP-FLV from the ingest, the snapshot from the API, and every HLS
 * rendition from the edge after a real transcode worker built the ladder.
 */
describe(`WHIP publish → ingest hub (Chromium, ${engine}, real platform)`, () => {
  const platform = platformEnv();
  let controlPlane: AppProcess;
  let ingest: AppProcess;
  let sfu: AppProcess;
  let weriftSfu: AppProcess | undefined;
  let worker: AppProcess;
  let edge: AppProcess;
  let browser: Browser;
  let rtmpUrl = '';
  let env: Record<string, string> = {};
  const api = <T>(method: string, path: string, body?: unknown) => adminApi(controlPlane.httpUrl, platform.adminToken)<T>(method, path, body);
  const probeFlv = (streamId: string) =>
    waitFor(
      async () => {
        const probed = await ffprobe(`${ingest.httpUrl}/live/${streamId}.flv`, [], 15_000).catch(() => undefined);
        const video = probed?.streams.find((s: ProbedStream) => s.codec_type === 'video');
        const audio = probed?.streams.find((s: ProbedStream) => s.codec_type === 'audio');
        return video && audio ? { video, audio } : undefined;
      },
      { timeoutMs: 40_000, intervalMs: 500, what: `HTTP-FLV of ${streamId} on the ingest` },
    );
  const sfuMetric = async (name: string): Promise<number> => {
    const text = await (await fetch(`${sfu.httpUrl}/metrics`)).text();
    // Summed over series: the registry may add default labels (name{…} value).
    const lines = text.split('\n').filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return lines.length ? lines.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0) : NaN;
  };
  /** Publishes over WHIP; the returned function ends the session with a DELETE, as a WHIP client leaving does. */
  const publishWhip = async (stream: CreatedStream, videoCodec: string, simulcast = false, via = sfu): Promise<() => Promise<void>> => {
    const client = await BrowserRtcClient.open(await browser.newPage(), `${via.httpUrl}/healthz`);
    const published = await client.whip(`${via.httpUrl}/whip/${stream.id}`, stream.streamKey, { videoCodec, width: 640, height: 360, simulcast });
    expect(published.status).toBe(201);
    return async () => {
      expect(await client.remove(published.id as number)).toBe(200);
      await client.page.close();
    };
  };

  beforeAll(async () => {
    env = platform.env;
    const [cpPort, edgePort, ingestPort, rtmpPort, workerPort] = await Promise.all(Array.from({ length: 5 }, () => freePort()));
    rtmpUrl = `rtmp://127.0.0.1:${rtmpPort}/live`;
    [controlPlane, edge, ingest, browser] = await Promise.all([
      startApp('control-plane', {
        httpPort: cpPort as number,
        env: { ...env, MEDIAPLANE_PUBLIC_HLS_URL: `http://127.0.0.1:${edgePort}/hls` },
      }),
      startApp('edge', { httpPort: edgePort as number, env }),
      startApp('ingest', { httpPort: ingestPort as number, env: { ...env, INGEST_RTMP_PORT: String(rtmpPort) } }),
      launchChromium({ webrtc: true }),
    ]);
    // Two SFUs, two RTC port ranges that are not the same.
    const ranges = [await freeRtcPortRange(100)];
    while (ranges.length < 2) {
      const range = await freeRtcPortRange(100);
      if (range.min !== ranges[0]!.min) ranges.push(range);
    }
    const startSfu = async (name: string, range: { min: number; max: number }) =>
      startApp('sfu', {
        httpPort: await freePort(),
        env: {
          ...env,
          SFU_ENGINE: name,
          SFU_RTC_LISTEN_IP: '127.0.0.1',
          SFU_RTC_ANNOUNCED_ADDRESS: '127.0.0.1',
          SFU_RTC_MIN_PORT: String(range.min),
          SFU_RTC_MAX_PORT: String(range.max),
          SFU_WORKERS: '1',
          SFU_STATS_INTERVAL_MS: '1000',
        },
      });
    [sfu, weriftSfu, worker] = await Promise.all([
      startSfu(engine, ranges[0]!),
      engine === 'werift' ? undefined : startSfu('werift', ranges[1]!),
      startApp('transcode', { httpPort: workerPort as number, env: { ...env, TRANSCODE_MAX_JOBS: '2' } }),
    ]);
    // The bridge finds the ingest in the cluster view, as the control plane records heartbeats.
    await waitFor(
      async () => (await api<{ nodes: Array<{ app: string; health: string }> }>('GET', '/nodes')).nodes.some((n) => n.app === 'ingest' && n.health === 'ready'),
      {
        timeoutMs: 15_000,
        what: 'a ready ingest in /api/v1/nodes',
      },
    );
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([sfu?.stop(), weriftSfu?.stop(), worker?.stop(), edge?.stop(), ingest?.stop(), controlPlane?.stop()]);
    await killAllChildren();
  });

  describe('an H.264 publisher', () => {
    let stream: CreatedStream;
    let unpublish: () => Promise<void>;
    let publishedAt = 0;

    beforeAll(async () => {
      stream = await api<CreatedStream>('POST', '/streams', { name: 'whip h264' });
      unpublish = await publishWhip(stream, 'video/H264');
      publishedAt = Date.now();
    });

    it('is served by the ingest over HTTP-FLV as H.264 and AAC', async () => {
      const { video, audio } = await probeFlv(stream.id);
      // A figure for the log (ffprobe's own probe time included), not a bound.
      process.stdout.write(`whip→ingest: HTTP-FLV probed ${Date.now() - publishedAt} ms after the WHIP answer\n`);
      expect({ video: video.codec_name, audio: audio.codec_name }).toEqual({ video: 'h264', audio: 'aac' });
      expect(video.width).toBeGreaterThan(0);
      expect(await sfuMetric('mediaplane_sfu_ingest_bridges')).toBe(1);
    });

    it('is live as a WHIP stream with its codecs in the API', async () => {
      const state = await api<{ live: boolean; state: { protocol: string; videoCodec: string | null; audioCodec: string | null } | null }>(
        'GET',
        `/streams/${stream.id}`,
      );
      expect({ live: state.live, protocol: state.state?.protocol, video: state.state?.videoCodec, audio: state.state?.audioCodec }).toEqual({
        live: true,
        protocol: 'whip',
        video: 'h264',
        audio: 'opus',
      });
    });

    it('cannot be published over RTMP meanwhile, with its key or with a forged relay token', async () => {
      const withKey = ffmpegPublish({ url: `${rtmpUrl}/${stream.streamKey}`, durationSec: 5 });
      expect(await withKey.exited).not.toBe(0);
      expect(withKey.stderr()).toMatch(/already publishing/);
      const forged = `r1.${stream.id}.${Math.floor(Date.now() / 1000) + 600}.pub.${'A'.repeat(43)}`;
      const withForgery = ffmpegPublish({ url: `${rtmpUrl}/${forged}`, durationSec: 5 });
      expect(await withForgery.exited).not.toBe(0);
      expect(withForgery.stderr()).toMatch(/invalid relay token/);
      // The relay itself carries on.
      expect((await probeFlv(stream.id)).video.codec_name).toBe('h264');
    });

    it('has a JPEG snapshot', async () => {
      const res = await waitFor(
        async () => {
          const r = await fetch(`${controlPlane.httpUrl}/api/v1/streams/${stream.id}/snapshot.jpg`);
          if (r.status === 200) return r;
          await r.body?.cancel();
          return undefined;
        },
        { timeoutMs: 20_000, intervalMs: 500, what: 'the snapshot' },
      );
      expect(res.headers.get('content-type')).toContain('image/jpeg');
      const body = Buffer.from(await res.arrayBuffer());
      expect([...body.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    });

    it('is on the edge as HLS, every rendition readable as H.264 and AAC', async () => {
      await waitFor(async () => (await fetch(stream.playback.hls)).status === 200, { timeoutMs: 40_000, intervalMs: 250, what: 'master.m3u8 on the edge' });
      const master = await (await fetch(stream.playback.hls)).text();
      const uris = master.split('\n').filter((l) => l && !l.startsWith('#'));
      process.stdout.write(`whip→ingest: HLS renditions ${uris.join(', ')}\n`);
      expect(uris.length).toBeGreaterThanOrEqual(2);
      const base = stream.playback.hls.replace(/\/master\.m3u8$/, '');
      for (const uri of uris) {
        const probed = await ffprobe(`${base}/${uri}`, [], 30_000);
        expect({
          uri,
          video: probed.streams.find((s: ProbedStream) => s.codec_type === 'video')?.codec_name,
          audio: probed.streams.find((s: ProbedStream) => s.codec_type === 'audio')?.codec_name,
        }).toEqual({ uri, video: 'h264', audio: 'aac' });
      }
    });

    it('is gone from the ingest once the WHIP session ends', async () => {
      await unpublish();
      await waitFor(
        async () =>
          (await fetch(`${ingest.httpUrl}/live/${stream.id}.flv`, { signal: AbortSignal.timeout(3000) }).then(async (r) => {
            await r.body?.cancel();
            return r.status;
          })) === 404,
        { timeoutMs: 30_000, what: 'HTTP-FLV to answer 404' },
      );
      await waitFor(async () => (await sfuMetric('mediaplane_sfu_ingest_bridges')) === 0, { timeoutMs: 10_000, what: 'no bridge running' });
    });
  });

  describe('a private stream', () => {
    it('is served over HTTP-FLV only with a playback token', async () => {
      const stream = await api<CreatedStream>('POST', '/streams', { name: 'whip private', private: true });
      const unpublish = await publishWhip(stream, 'video/H264');
      try {
        const { token } = await api<{ token: string }>('POST', `/streams/${stream.id}/playback-tokens`, { ttlSeconds: 300 });
        const withToken = `${ingest.httpUrl}/live/${stream.id}.flv?token=${encodeURIComponent(token)}`;
        const probed = await waitFor(() => ffprobe(withToken, [], 15_000).catch(() => undefined), {
          timeoutMs: 40_000,
          intervalMs: 500,
          what: 'private HTTP-FLV',
        });
        expect(probed.streams.find((s: ProbedStream) => s.codec_type === 'video')?.codec_name).toBe('h264');
        const bare = await fetch(`${ingest.httpUrl}/live/${stream.id}.flv`);
        await bare.body?.cancel();
        expect(bare.status).toBe(401);
      } finally {
        await unpublish();
      }
    });
  });

  describe('on an SFU running the werift engine', () => {
    it('is relayed alike: H.264 and AAC over HTTP-FLV', async () => {
      if (!weriftSfu) {
        process.stdout.write('[whip→ingest e2e] werift case folded into the main run (it uses werift)\n');
        return;
      }
      const stream = await api<CreatedStream>('POST', '/streams', { name: 'whip werift' });
      const unpublish = await publishWhip(stream, 'video/H264', false, weriftSfu);
      try {
        const { video, audio } = await probeFlv(stream.id);
        expect({ video: video.codec_name, audio: audio.codec_name }).toEqual({ video: 'h264', audio: 'aac' });
      } finally {
        await unpublish();
      }
    });
  });

  describe('a VP8 publisher', () => {
    it('is encoded to H.264 for the ingest, with AAC audio', async () => {
      const stream = await api<CreatedStream>('POST', '/streams', { name: 'whip vp8' });
      const unpublish = await publishWhip(stream, 'video/VP8');
      try {
        const { video, audio } = await probeFlv(stream.id);
        expect({ video: video.codec_name, audio: audio.codec_name }).toEqual({ video: 'h264', audio: 'aac' });
      } finally {
        await unpublish();
      }
    });

    it('with simulcast is relayed from one layer', async () => {
      const stream = await api<CreatedStream>('POST', '/streams', { name: 'whip simulcast' });
      const unpublish = await publishWhip(stream, 'video/VP8', true);
      try {
        const { video, audio } = await probeFlv(stream.id);
        expect({ video: video.codec_name, audio: audio.codec_name }).toEqual({ video: 'h264', audio: 'aac' });
        expect(video.width).toBeGreaterThan(0);
      } finally {
        await unpublish();
      }
    });
  });

  describe('when its ingest goes away', () => {
    it('is relayed into the ingest that replaces it, and the restart is counted', async () => {
      const stream = await api<CreatedStream>('POST', '/streams', { name: 'whip moves' });
      const unpublish = await publishWhip(stream, 'video/H264');
      try {
        await probeFlv(stream.id);
        const restartsBefore = await sfuMetric('mediaplane_sfu_ingest_bridge_restarts_total');
        await ingest.stop();
        const [httpPort, rtmpPort] = await Promise.all([freePort(), freePort()]);
        ingest = await startApp('ingest', { httpPort, env: { ...env, INGEST_RTMP_PORT: String(rtmpPort) } });
        const { video } = await probeFlv(stream.id);
        expect(video.codec_name).toBe('h264');
        expect(await sfuMetric('mediaplane_sfu_ingest_bridge_restarts_total')).toBeGreaterThan(restartsBefore);
        // The live state now sends pulls (transcode, edge, snapshots) to the new ingest: the snapshot comes from there.
        const res = await waitFor(
          async () => {
            const r = await fetch(`${controlPlane.httpUrl}/api/v1/streams/${stream.id}/snapshot.jpg`);
            if (r.status === 200) return r;
            await r.body?.cancel();
            return undefined;
          },
          { timeoutMs: 20_000, intervalMs: 500, what: 'the snapshot from the new ingest' },
        );
        expect([...Buffer.from(await res.arrayBuffer()).subarray(0, 2)]).toEqual([0xff, 0xd8]);
      } finally {
        await unpublish();
      }
    });
  });
});
