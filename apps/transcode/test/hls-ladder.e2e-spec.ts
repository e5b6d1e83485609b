import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { transcodeContracts } from '@mediaplane/contracts';
import { mintViewerSessionId, signPlaybackToken } from '@mediaplane/sessions';
import { ffprobe, ffprobeFrames, freePort, killAllChildren, startApp, uniqueNamespace, waitFor, type AppProcess } from '@mediaplane/testing';
import { startFlvTestSource, type FlvTestSource } from './support/flv-test-source';
import { parseMaster, parseMedia, type MasterEntry } from '@mediaplane/testing';
import { PlatformStandIn } from './support/live-stream-stand-in';
import { ffmpegProcessesUsing } from './support/process-table';

jest.setTimeout(180_000);

const SECRET = 'e2e-playback-secret-0123456789';

interface Fetched {
  status: number;
  headers: Headers;
  body: Buffer;
}

async function get(url: string, init?: RequestInit): Promise<Fetched> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/**
 * A segment as a player downloads it: a 503 (the edge's "live, retry
 * shortly" when its origin fetch failed under load) is retried after its
 * Retry-After, as hls.js does; anything but a 200 after that fails with the
 * status and body, not later as an unreadable file.
 */
async function getSegment(url: string): Promise<Buffer> {
  let res = await get(url);
  for (let retry = 0; retry < 3 && res.status === 503; retry++) {
    await new Promise((resolve) => setTimeout(resolve, 1000 * Number(res.headers.get('retry-after') ?? 1)));
    res = await get(url);
  }
  expect({ url, status: res.status, body: res.status === 200 ? '(media)' : res.body.toString().slice(0, 300) }).toEqual({ url, status: 200, body: '(media)' });
  return res.body;
}

/** A request whose path is sent exactly as written (fetch would resolve the dot segments). */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The master's variants by rendition path, without the viewer session id (`?vsid=`) the edge adds for viewer counts. */
function variantPaths(text: string): MasterEntry[] {
  return parseMaster(text).variants.map((v) => ({ ...v, uri: v.uri.split('?')[0] as string }));
}

describe('HLS ladder: stand-in ingest → transcode worker → two edges', () => {
  const ns = uniqueNamespace('hls');
  const work = mkdtempSync(join(tmpdir(), 'mp-hls-e2e-'));
  const recordings = join(work, 'recordings');
  let source: FlvTestSource;
  let platform: PlatformStandIn;
  let worker: AppProcess;
  let edgeA: AppProcess;
  let edgeB: AppProcess;
  const streamId = `land_${Date.now().toString(36)}`;
  const sessionId = PlatformStandIn.sessionId();
  let liveAt = 0;
  let masterAfterMs = 0;
  let master: MasterEntry[] = [];
  const hls = (edge: AppProcess, path: string, id = streamId) => `${edge.httpUrl}/hls/${id}/${path}`;

  beforeAll(async () => {
    const env = { MEDIAPLANE_NAMESPACE: ns, MEDIAPLANE_PLAYBACK_SECRET: SECRET };
    [source, platform] = await Promise.all([
      startFlvTestSource({ width: 1280, height: 720, fps: 30, gopFrames: 60, secret: SECRET }),
      PlatformStandIn.connect(ns),
    ]);
    [worker, edgeA, edgeB] = await Promise.all([
      startApp('transcode', {
        httpPort: await freePort(),
        env: { ...env, TRANSCODE_WORK_DIR: work, TRANSCODE_RECORDINGS_DIR: recordings, TRANSCODE_MAX_JOBS: '1' },
      }),
      startApp('edge', { httpPort: await freePort(), env }),
      startApp('edge', { httpPort: await freePort(), env }),
    ]);
    liveAt = Date.now();
    await platform.goLive({ streamId, sessionId, pullUrl: source.pullUrl(streamId), width: 1280, height: 720, record: true });
    await waitFor(async () => (await get(hls(edgeA, 'master.m3u8'))).status === 200, { timeoutMs: 30_000, intervalMs: 100, what: 'master.m3u8 on the edge' });
    masterAfterMs = Date.now() - liveAt;
    master = variantPaths((await get(hls(edgeA, 'master.m3u8'))).body.toString());
  });

  afterAll(async () => {
    await Promise.all([edgeA?.stop(), edgeB?.stop(), worker?.stop()]);
    await platform?.close();
    await source?.close();
    await killAllChildren();
    // Nothing may outlive the test: no FFmpeg writing into our work folder.
    expect(ffmpegProcessesUsing(work)).toEqual([]);
    rmSync(work, { recursive: true, force: true });
  });

  it('publishes master.m3u8 on the edge within a few seconds of going live', () => {
    expect(masterAfterMs).toBeLessThan(12_000);
  });

  it('lists every rendition with BANDWIDTH, RESOLUTION, CODECS and FRAME-RATE, none above the source', () => {
    expect(master.map((v) => `${v.uri} ${v.width}x${v.height}`)).toEqual([
      'source/index.m3u8 1280x720',
      '720p/index.m3u8 1280x720',
      '480p/index.m3u8 854x480',
      '360p/index.m3u8 640x360',
    ]);
    for (const v of master) {
      expect(v.bandwidth).toBeGreaterThan(100_000);
      expect(Number(v.attributes['AVERAGE-BANDWIDTH'])).toBeLessThanOrEqual(v.bandwidth);
      expect(v.codecs).toMatch(/^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
      expect(v.frameRate).toBe(30);
      expect(v.width).toBeLessThanOrEqual(1280);
      expect(v.height).toBeLessThanOrEqual(720);
    }
    // Encoded rungs are High profile at the level their size needs; the passthrough names the source's own profile.
    expect(master.slice(1).map((v) => v.codecs.split(',')[0])).toEqual(['avc1.64001f', 'avc1.64001f', 'avc1.64001e']);
    expect(master[0]?.codecs.split(',')[0]).toBe('avc1.42c01f');
  });

  it('serves live media playlists of 2-second segments in a sliding window with program date times', async () => {
    await waitFor(async () => parseMedia((await get(hls(edgeA, '720p/index.m3u8'))).body.toString()).mediaSequence > 0, {
      timeoutMs: 40_000,
      intervalMs: 500,
      what: 'the window to slide',
    });
    for (const v of master) {
      const playlist = parseMedia((await get(hls(edgeA, v.uri))).body.toString());
      expect(playlist).toMatchObject({ targetDuration: 2, ended: false, independent: true });
      expect(playlist.segments.length).toBeLessThanOrEqual(6);
      expect(playlist.segments.length).toBeGreaterThanOrEqual(3);
      for (const s of playlist.segments) {
        expect(s.duration).toBeGreaterThan(1.9);
        expect(s.duration).toBeLessThanOrEqual(2.1);
        expect(Date.parse(s.programDateTime ?? '')).toBeGreaterThan(liveAt - 10_000);
      }
    }
  });

  it('produces renditions whose codecs and sizes ffprobe confirms', async () => {
    for (const v of master) {
      const probed = await ffprobe(hls(edgeA, v.uri), [], 30_000);
      const video = probed.streams.find((s) => s.codec_type === 'video');
      const audio = probed.streams.find((s) => s.codec_type === 'audio');
      expect({ uri: v.uri, codec: video?.codec_name, width: video?.width, height: video?.height }).toEqual({
        uri: v.uri,
        codec: 'h264',
        width: v.width,
        height: v.height,
      });
      expect(audio?.codec_name).toBe('aac');
      expect(video?.profile).toBe(v.uri.startsWith('source') ? 'Constrained Baseline' : 'High');
    }
  });

  it('starts every segment of every rendition with a keyframe, at the same instant across renditions', async () => {
    const playlists = await Promise.all(master.map(async (v) => parseMedia((await get(hls(edgeA, v.uri))).body.toString())));
    const common = playlists.map((p) => p.segments.map((s) => s.msn)).reduce((a, b) => a.filter((x) => b.includes(x)));
    expect(common.length).toBeGreaterThanOrEqual(2);
    const dir = mkdtempSync(join(work, 'kf-'));
    const file = (i: number, msn: number) => join(dir, `${i}-${msn}.ts`);
    // Every segment is downloaded before any is probed: on a loaded machine a download-then-probe loop outlasts
    // the 6-segment window, and the last segments were gone (404) by the time it asked for them.
    for (const msn of common.slice(-2))
      for (const [i, v] of master.entries()) {
        const segment = playlists[i]?.segments.find((s) => s.msn === msn);
        writeFileSync(file(i, msn), await getSegment(hls(edgeA, `${v.uri.split('/')[0]}/${segment?.uri}`)));
      }
    for (const msn of common.slice(-2)) {
      const starts: number[] = [];
      for (const [i, v] of master.entries()) {
        const frames = await ffprobeFrames(file(i, msn), ['-select_streams', 'v:0', '-show_entries', 'frame=pts_time,key_frame,pict_type']);
        expect({ rendition: v.uri, first: frames[0]?.['key_frame'] }).toEqual({ rendition: v.uri, first: 1 });
        if (!v.uri.startsWith('source')) {
          // Fixed GOP = one segment: the only keyframe is the first frame.
          expect(frames.filter((f) => f['key_frame'] === 1)).toHaveLength(1);
          expect(frames).toHaveLength(60);
        }
        starts.push(Number(frames[0]?.['pts_time']));
      }
      // Same instant in every rendition, within one frame (the passthrough keeps the source's own timestamps).
      expect(Math.max(...starts) - Math.min(...starts)).toBeLessThanOrEqual(1 / 30 + 0.002);
    }
  });

  it("keeps every segment within its rendition's BANDWIDTH", async () => {
    const peaks = new Map<string, number>();
    for (const v of master) {
      const playlist = parseMedia((await get(hls(edgeA, v.uri))).body.toString());
      for (const s of playlist.segments) {
        const body = (await get(hls(edgeA, `${v.uri.split('/')[0]}/${s.uri}`))).body;
        peaks.set(v.uri, Math.max(peaks.get(v.uri) ?? 0, (body.length * 8) / s.duration));
      }
    }
    // The worker raises BANDWIDTH to any larger measured segment; let the edges' master cache turn over.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const latest = variantPaths((await get(hls(edgeA, 'master.m3u8'))).body.toString());
    for (const v of latest)
      expect({ uri: v.uri, peakWithinBandwidth: (peaks.get(v.uri) ?? Infinity) <= v.bandwidth }).toEqual({ uri: v.uri, peakWithinBandwidth: true });
    // For encoded rungs the planned figure already covers what the encoder produced (VBV-constrained).
    for (const v of master.filter((x) => !x.uri.startsWith('source')))
      expect({ uri: v.uri, planned: (peaks.get(v.uri) ?? Infinity) <= v.bandwidth }).toEqual({ uri: v.uri, planned: true });
  });

  it('exposes per-stream encode speed, frame rate, dropped/duplicated frames and segment counts', async () => {
    const text = await (await fetch(`${worker.httpUrl}/metrics`)).text();
    const value = (name: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(name) && l.includes(`stream="${streamId}"`))
          ?.split(' ')
          .pop(),
      );
    expect(value('mediaplane_transcode_encode_speed')).toBeGreaterThan(0);
    expect(value('mediaplane_transcode_encode_fps')).toBeGreaterThan(0);
    expect(text).toMatch(new RegExp(`mediaplane_transcode_segments_total\\{[^}]*stream="${streamId}"[^}]*rendition="720p"[^}]*\\} [1-9]`));
    expect(value('mediaplane_transcode_dropped_frames_total')).toBeGreaterThanOrEqual(0);
    expect(value('mediaplane_transcode_duplicated_frames_total')).toBeGreaterThanOrEqual(0);
    expect(text).toMatch(/mediaplane_transcode_jobs\{[^}]*\} 1/);
  });

  it('sends content types, cache headers and CORS headers', async () => {
    const m = await get(hls(edgeA, 'master.m3u8'));
    const media = await get(hls(edgeA, '480p/index.m3u8'));
    const uri = parseMedia(media.body.toString()).segments.at(-1)?.uri;
    const segment = await get(hls(edgeA, `480p/${uri}`));
    expect([m.headers.get('content-type'), media.headers.get('content-type'), segment.headers.get('content-type')]).toEqual([
      'application/vnd.apple.mpegurl',
      'application/vnd.apple.mpegurl',
      'video/mp2t',
    ]);
    // The master carries this viewer's fresh session id (vsid, for viewer counts): never from a shared cache.
    expect(m.headers.get('cache-control')).toBe('private, max-age=2');
    expect(parseMaster(m.body.toString()).variants.every((v) => /\/index\.m3u8\?vsid=[A-Za-z0-9_-]{32}$/.test(v.uri))).toBe(true);
    expect(media.headers.get('cache-control')).toBe('public, max-age=1');
    expect(segment.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    for (const r of [m, media, segment]) expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(segment.body.subarray(0, 1).toString('hex')).toBe('47');
    const head = await get(hls(edgeA, `480p/${uri}`), { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length'), head.body.length]).toEqual([200, String(segment.body.length), 0]);
  });

  it('answers a CORS preflight', async () => {
    const res = await fetch(hls(edgeA, 'master.m3u8'), {
      method: 'OPTIONS',
      headers: { Origin: 'https://player.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('GET');
  });

  it("serves a second edge's viewers identically", async () => {
    // Playlists change (a new segment; BANDWIDTH raised to a new measured peak) and each edge caches for a moment: they converge.
    // The same viewer session on either edge (a master without a valid one gets a fresh session id): edges share the signing secret.
    for (const path of [`master.m3u8?vsid=${mintViewerSessionId(SECRET, streamId)}`, '360p/index.m3u8']) {
      await waitFor(
        async () => {
          const [a, b] = await Promise.all([get(hls(edgeA, path)), get(hls(edgeB, path))]);
          return a.status === 200 && a.body.equals(b.body) && a.headers.get('content-type') === b.headers.get('content-type');
        },
        { timeoutMs: 10_000, intervalMs: 100, what: `both edges to serve the same ${path}` },
      );
    }
    const uri = parseMedia((await get(hls(edgeB, '360p/index.m3u8'))).body.toString()).segments[0]?.uri;
    const [sa, sb] = await Promise.all([get(hls(edgeA, `360p/${uri}`)), get(hls(edgeB, `360p/${uri}`))]);
    expect(sa.status).toBe(200);
    expect(sb.body.equals(sa.body)).toBe(true);
    expect(sb.headers.get('content-type')).toBe(sa.headers.get('content-type'));
  });

  it('fetches a segment from the origin once for many concurrent viewers', async () => {
    // Wait for a segment neither edge has seen yet, then ask for it twenty times at once.
    const before = parseMedia((await get(hls(edgeB, '720p/index.m3u8'))).body.toString()).segments.at(-1)?.msn ?? 0;
    const fresh = await waitFor(
      async () => {
        const p = parseMedia((await get(hls(edgeB, '720p/index.m3u8'))).body.toString());
        return p.segments.find((s) => s.msn > before);
      },
      { timeoutMs: 10_000, intervalMs: 200, what: 'a new segment' },
    );
    const results = await Promise.all(Array.from({ length: 20 }, () => get(hls(edgeA, `720p/${fresh.uri}`))));
    expect(results.every((r) => r.status === 200 && r.body.equals(results[0]!.body))).toBe(true);
    const verdicts = results.map((r) => r.headers.get('x-cache'));
    expect(verdicts.filter((v) => v === 'MISS')).toHaveLength(1);
    expect(verdicts.every((v) => v === 'MISS' || v === 'COALESCED' || v === 'HIT')).toBe(true);
  });

  it('answers 404 at once for an unknown stream', async () => {
    const started = Date.now();
    const res = await get(hls(edgeA, 'master.m3u8', 'no_such_stream'));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body.toString())).toEqual({ statusCode: 404, error: 'Not Found', message: 'unknown stream' });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers 503 with Retry-After, never 404, for a live stream whose HLS has no worker yet', async () => {
    // The only worker is busy (TRANSCODE_MAX_JOBS=1): this stream is live but nobody produces its HLS.
    const waiting = { streamId: `wait_${Date.now().toString(36)}`, sessionId: PlatformStandIn.sessionId() };
    await platform.goLive({ ...waiting, pullUrl: source.pullUrl(waiting.streamId), width: 640, height: 360, record: false });
    try {
      for (const path of ['master.m3u8', '360p/index.m3u8', '360p/seg_0.ts']) {
        const res = await get(hls(edgeA, path, waiting.streamId));
        expect({ path, status: res.status, retryAfter: res.headers.get('retry-after') }).toEqual({ path, status: 503, retryAfter: '1' });
        expect(JSON.parse(res.body.toString())).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
      }
    } finally {
      await platform.end(waiting);
    }
  });

  it('rejects path traversal with 400', async () => {
    for (const path of [`/hls/${streamId}/../../etc/passwd`, `/hls/${streamId}/720p/..%2f..%2fetc%2fpasswd`, '/hls/%2e%2e/%2e%2e/etc/passwd']) {
      const res = await rawGet(edgeA.httpUrl, path);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(JSON.parse(res.body)).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
  });

  it('serves a thumbnail of the stream', async () => {
    const res = await get(hls(edgeA, 'thumbnail.jpg'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.body.subarray(0, 3).toString('hex')).toBe('ffd8ff');
  });

  describe('when the stream ends', () => {
    it('ends every playlist with EXT-X-ENDLIST and announces a playable source-quality recording', async () => {
      const announced: Array<{ file: string; bytes: number; durationSeconds: number }> = [];
      platform.bus.subscribe(transcodeContracts.recordingReady, (r) => void announced.push(r), { queue: false });
      await platform.end({ streamId, sessionId });
      await waitFor(async () => parseMedia((await get(hls(edgeA, '360p/index.m3u8'))).body.toString()).ended, { timeoutMs: 20_000, what: 'EXT-X-ENDLIST' });
      for (const v of master) expect(parseMedia((await get(hls(edgeA, v.uri))).body.toString()).ended).toBe(true);
      const recording = await waitFor(() => announced[0], { timeoutMs: 20_000, what: 'recording.ready' });
      const file = join(recordings, recording.file);
      expect(readFileSync(file).length).toBe(recording.bytes);
      expect(recording.durationSeconds).toBeGreaterThan(10);
      const probed = await ffprobe(file);
      expect(probed.streams.map((s) => [s.codec_type, s.codec_name, s.width ?? null])).toEqual([
        ['video', 'h264', 1280],
        ['audio', 'aac', null],
      ]);
      // One file per FFmpeg run (a restart under load would add a second); the announced one is among them.
      expect(readdirSync(join(recordings, streamId))).toContain(basename(recording.file));
    });
  });

  describe('a variable-frame-rate source (screen capture)', () => {
    const vfrId = `vfr_${Date.now().toString(36)}`;
    const vfrSession = PlatformStandIn.sessionId();
    let screen: FlvTestSource;

    beforeAll(async () => {
      screen = await startFlvTestSource({ width: 640, height: 360, fps: 30, gopFrames: 30, vfr: true, secret: SECRET });
      // Ingest reports the average rate it measured, an odd number for such a source.
      await platform.goLive({ streamId: vfrId, sessionId: vfrSession, pullUrl: screen.pullUrl(vfrId), width: 640, height: 360, fps: 14.2 });
      await waitFor(async () => parseMedia((await get(hls(edgeA, '360p/index.m3u8', vfrId))).body.toString()).segments.length >= 2, {
        timeoutMs: 40_000,
        intervalMs: 200,
        what: 'VFR stream segments',
      });
    });

    afterAll(async () => {
      await platform.end({ streamId: vfrId, sessionId: vfrSession });
      await screen.close();
    });

    it('comes out at a constant 30 fps', async () => {
      const variants = parseMaster((await get(hls(edgeA, 'master.m3u8', vfrId))).body.toString()).variants;
      expect(variants.find((v) => v.uri.startsWith('360p'))?.frameRate).toBe(30);
      const playlist = parseMedia((await get(hls(edgeA, '360p/index.m3u8', vfrId))).body.toString());
      const dir = mkdtempSync(join(work, 'vfr-'));
      const file = join(dir, 'segment.ts');
      writeFileSync(file, (await get(hls(edgeA, `360p/${playlist.segments.at(-1)?.uri}`, vfrId))).body);
      const pts = (await ffprobeFrames(file, ['-select_streams', 'v:0', '-show_entries', 'frame=pts_time'])).map((f) => Number(f['pts_time']));
      expect(pts).toHaveLength(60);
      const gaps = pts.slice(1).map((t, i) => t - (pts[i] as number));
      expect(Math.min(...gaps)).toBeGreaterThan(1 / 30 - 0.002);
      expect(Math.max(...gaps)).toBeLessThan(1 / 30 + 0.002);
    });
  });

  describe('a private portrait stream', () => {
    const privateId = `port_${Date.now().toString(36)}`;
    const privateSession = PlatformStandIn.sessionId();
    let portrait: FlvTestSource;
    const token = () => signPlaybackToken(SECRET, privateId, new Date(Date.now() + 120_000));

    beforeAll(async () => {
      portrait = await startFlvTestSource({ width: 720, height: 1280, fps: 30, gopFrames: 60, secret: SECRET });
      await platform.goLive({ streamId: privateId, sessionId: privateSession, pullUrl: portrait.pullUrl(privateId), width: 720, height: 1280, private: true });
      await waitFor(async () => (await get(`${hls(edgeA, 'master.m3u8', privateId)}?token=${token()}`)).status === 200, {
        timeoutMs: 40_000,
        intervalMs: 200,
        what: 'private master.m3u8',
      });
    });

    afterAll(async () => {
      await platform.end({ streamId: privateId, sessionId: privateSession });
      await portrait.close();
    });

    it('refuses its playlists without a token (401) or with a bad one (403)', async () => {
      const none = await get(hls(edgeA, 'master.m3u8', privateId));
      expect(none.status).toBe(401);
      expect(JSON.parse(none.body.toString())).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect((await get(`${hls(edgeB, '360p/index.m3u8', privateId)}`)).status).toBe(401);
      const foreign = signPlaybackToken(SECRET, streamId, new Date(Date.now() + 60_000));
      expect((await get(`${hls(edgeA, 'master.m3u8', privateId)}?token=${foreign}`)).status).toBe(403);
      const expired = signPlaybackToken(SECRET, privateId, new Date(Date.now() - 1000));
      expect((await get(`${hls(edgeA, 'master.m3u8', privateId)}?token=${expired}`)).status).toBe(403);
    });

    it('serves it with a token, passing the token on to every URI it lists', async () => {
      const t = token();
      const m = await get(`${hls(edgeA, 'master.m3u8', privateId)}?token=${t}`);
      expect(m.headers.get('cache-control')).toBe('private, max-age=2');
      const variants = parseMaster(m.body.toString()).variants;
      expect(variants.every((v) => v.uri.includes(`?token=${encodeURIComponent(t)}&vsid=`))).toBe(true);
      const media = await get(`${edgeA.httpUrl}/hls/${privateId}/${variants[1]?.uri}`);
      expect(media.status).toBe(200);
      const segment = parseMedia(media.body.toString()).segments[0];
      expect(segment?.uri).toContain('?token=');
      expect((await get(`${edgeA.httpUrl}/hls/${privateId}/${variants[1]?.uri.split('/')[0]}/${segment?.uri}`)).status).toBe(200);
      expect((await get(`${edgeA.httpUrl}/hls/${privateId}/${variants[1]?.uri.split('/')[0]}/${segment?.uri.split('?')[0]}`)).status).toBe(401);
    });

    it('keeps the portrait aspect ratio in every rung, with rungs as the short side', async () => {
      const variants = parseMaster((await get(`${hls(edgeA, 'master.m3u8', privateId)}?token=${token()}`)).body.toString()).variants;
      expect(variants.map((v) => `${v.uri.split('/')[0]} ${v.width}x${v.height}`)).toEqual([
        'source 720x1280',
        '720p 720x1280',
        '480p 480x854',
        '360p 360x640',
      ]);
      const probed = await ffprobe(`${edgeA.httpUrl}/hls/${privateId}/${variants[3]?.uri}`, [], 30_000);
      expect(probed.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 360, height: 640 });
    });
  });
});
