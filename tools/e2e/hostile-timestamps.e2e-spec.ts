import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLV_TAG_VIDEO } from '@mediaplane/codecs';
import { classifyMediaPayload } from '@mediaplane/media-io';
import {
  adminApi,
  ffmpegPublish,
  freePort,
  killAllChildren,
  parseMaster,
  parseMedia,
  platformEnv,
  sleep,
  startApp,
  waitFor,
  type AppProcess,
  type Publisher,
} from '@mediaplane/testing';
import { ensureBenchSource } from '../bench/common/bench-source';
import { openHttpFlvViewer, type BenchViewer } from '../bench/common/bench-viewers';
import { loadFlvSource } from '../bench/common/flv-source';
import { PacedPublisher } from '../bench/common/paced-publisher';

jest.setTimeout(240_000);

const HOUR = 3_600_000;
const PHASE_MS = 6000;
const RUN_MS = 7 * PHASE_MS;

/**
 * What the hostile publisher writes on the wire for a frame due at media time
 * `t` (it sends in real time, only its clock lies): clean, then +1 h, then
 * back 8 s, then ±25 ms jitter on every frame of a track, then frozen at zero, then a
 * 31-bit counter that wraps, then clean again.
 */
function hostileClock(t: number, frameIndex: number): number {
  switch (Math.floor(t / PHASE_MS)) {
    case 0:
      return t;
    case 1:
      return t + HOUR;
    case 2:
      return t + HOUR - 8000;
    case 3:
      return t + HOUR - 8000 + (frameIndex % 2 === 0 ? 25 : -25);
    case 4:
      return 0;
    case 5:
      return (2 ** 31 - 3000 + (t - 5 * PHASE_MS)) % 2 ** 31;
    default:
      return t;
  }
}

interface CreatedStream {
  id: string;
  streamKey: string;
  playback: { hls: string; flv: string };
}

interface PlaylistWatch {
  /** Highest media sequence number seen, and when it first appeared (ms since the publish started). */
  appearances: Array<{ msn: number; at: number }>;
  futurePdtMs: number;
}

async function metric(url: string, name: string, labels: Record<string, string> = {}): Promise<number[]> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
    .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
}

/**
 * A publisher whose timestamps jump, wrap, freeze and jitter (issue 14, item
 * 1) through the real platform: ingest keeps each track monotonic and near
 * real time and counts every correction, so its FLV viewer stays connected,
 * the HLS ladder gets one segment per target duration with no filler runs,
 * the encoder runs at real-time speed, and a clean stream beside it is
 * untouched.
 */
describe('hostile publisher timestamps (real ingest, transcode and edge)', () => {
  const platform = platformEnv();
  const work = mkdtempSync(join(tmpdir(), 'mp-hostile-ts-'));
  let controlPlane: AppProcess;
  let ingest: AppProcess;
  let worker: AppProcess;
  let edge: AppProcess;
  let rtmpPort: number;
  let hostile: PacedPublisher | undefined;
  let clean: Publisher | undefined;
  let viewer: BenchViewer | undefined;

  beforeAll(async () => {
    rtmpPort = await freePort();
    const edgePort = await freePort();
    const env = platform.env;
    [controlPlane, edge, ingest, worker] = await Promise.all([
      freePort().then((port) => startApp('control-plane', { httpPort: port, env: { ...env, MEDIAPLANE_PUBLIC_HLS_URL: `http://127.0.0.1:${edgePort}/hls` } })),
      startApp('edge', { httpPort: edgePort, env }),
      freePort().then((port) => startApp('ingest', { httpPort: port, env: { ...env, INGEST_RTMP_PORT: String(rtmpPort) } })),
      freePort().then((port) => startApp('transcode', { httpPort: port, env: { ...env, TRANSCODE_WORK_DIR: work, TRANSCODE_MAX_JOBS: '2' } })),
    ]);
  });

  afterAll(async () => {
    viewer?.close();
    hostile?.stop();
    await clean?.stop();
    await Promise.all([edge?.stop(), worker?.stop(), ingest?.stop(), controlPlane?.stop()]);
    await killAllChildren();
    rmSync(work, { recursive: true, force: true });
  });

  it('keeps HLS at one segment per target duration, FLV viewers connected and the encoder at real time, and counts every correction', async () => {
    const api = adminApi(controlPlane.httpUrl, platform.adminToken);
    const [target, control] = await Promise.all([
      api<CreatedStream>('POST', '/streams', { name: 'hostile clock' }),
      api<CreatedStream>('POST', '/streams', { name: 'clean neighbour' }),
    ]);
    const source = loadFlvSource(await ensureBenchSource({ width: 640, height: 360, fps: 25, videoKbps: 800, gopSeconds: 2, seconds: 12 }));
    const framesOfType = new Map<number, number>();
    const started = Date.now();
    hostile = await PacedPublisher.start({
      target: { protocol: 'rtmp', host: '127.0.0.1', port: rtmpPort, app: 'live', streamName: target.streamKey },
      source,
      wireTimestamp: (t, tag) => {
        const index = framesOfType.get(tag.type) ?? 0;
        framesOfType.set(tag.type, index + 1);
        return hostileClock(t, index);
      },
    });
    clean = ffmpegPublish({ url: `rtmp://127.0.0.1:${rtmpPort}/live/${control.streamKey}`, width: 640, height: 360, fps: 25, gopFrames: 50 });

    // An HTTP-FLV viewer of the hostile stream from the start: it must stay connected and see a sane timeline.
    const flvUrl = `${ingest.httpUrl}/live/${target.id}.flv`;
    await waitFor(
      async () => {
        const probe = new AbortController();
        const res = await fetch(flvUrl, { signal: probe.signal });
        probe.abort();
        return res.status === 200;
      },
      { timeoutMs: 15_000, what: 'the hostile stream on ingest' },
    );
    const videoTimestamps: number[] = [];
    const viewerStarted = Date.now();
    let viewerEnded: string | undefined;
    viewer = await openHttpFlvViewer(flvUrl, (type, timestamp, data) => {
      if (type === FLV_TAG_VIDEO && !classifyMediaPayload('video', data).sequenceHeader) videoTimestamps.push(timestamp);
    });
    void viewer.ended.then((reason) => (viewerEnded = reason));

    // Watch both streams' 360p playlists and the encoder speed while the publisher misbehaves.
    const watch = async (stream: CreatedStream): Promise<string | undefined> => {
      const res = await fetch(stream.playback.hls).catch(() => undefined);
      if (res?.status !== 200) return undefined;
      const variant = parseMaster(await res.text()).variants.find((v) => v.height === 360);
      return variant ? stream.playback.hls.replace('master.m3u8', variant.uri) : undefined;
    };
    const watches = new Map<string, PlaylistWatch>([
      [target.id, { appearances: [], futurePdtMs: 0 }],
      [control.id, { appearances: [], futurePdtMs: 0 }],
    ]);
    const speeds: number[] = [];
    const urls = new Map<string, string>();
    while (Date.now() - started < RUN_MS) {
      await sleep(1000);
      for (const stream of [target, control]) {
        const url = urls.get(stream.id) ?? (await watch(stream));
        if (!url) continue;
        urls.set(stream.id, url);
        const res = await fetch(url).catch(() => undefined);
        if (res?.status !== 200) continue;
        const media = parseMedia(await res.text());
        const record = watches.get(stream.id) as PlaylistWatch;
        const last = media.segments.at(-1);
        if (last && last.msn > (record.appearances.at(-1)?.msn ?? -1)) record.appearances.push({ msn: last.msn, at: Date.now() - started });
        if (last?.programDateTime) record.futurePdtMs = Math.max(record.futurePdtMs, Date.parse(last.programDateTime) - Date.now());
      }
      if (Date.now() - started > 15_000) speeds.push(...(await metric(worker.httpUrl, 'mediaplane_transcode_encode_speed', { stream: target.id })));
    }
    const runMs = Date.now() - started;

    // Ingest corrected every kind of lie, and counted it.
    const corrections = async (correction: string) =>
      (await metric(ingest.httpUrl, 'mediaplane_ingest_timestamp_corrections_total', { correction })).reduce((a, b) => a + b, 0);
    const counted = Object.fromEntries(
      await Promise.all(['forward_jump', 'backward_jump', 'jitter', 'constant', 'wrap'].map(async (c) => [c, await corrections(c)] as const)),
    );
    // The FLV viewer stayed on, and its video clock advanced with the wall clock (no hour leaps, no freeze).
    const viewedMs = Date.now() - viewerStarted;
    const advancedMs = (videoTimestamps.at(-1) ?? 0) - (videoTimestamps[0] ?? 0);
    const monotonic = videoTimestamps.every((t, i) => i === 0 || t > (videoTimestamps[i - 1] as number));
    const hostileWatch = watches.get(target.id) as PlaylistWatch;
    const controlWatch = watches.get(control.id) as PlaylistWatch;
    const segmentsMade = (w: PlaylistWatch) => (w.appearances.at(-1)?.msn ?? 0) - (w.appearances[0]?.msn ?? 0);
    const windowMs = (w: PlaylistWatch) => (w.appearances.at(-1)?.at ?? 0) - (w.appearances[0]?.at ?? 0);
    const longestWaitMs = (w: PlaylistWatch) => Math.max(0, ...w.appearances.slice(1).map((a, i) => a.at - (w.appearances[i] as { at: number }).at));
    process.stdout.write(
      [
        `hostile timestamps over ${(runMs / 1000).toFixed(0)} s: corrections ${JSON.stringify(counted)}`,
        `  FLV viewer: ${viewerEnded ? `ended (${viewerEnded})` : 'connected'}, video clock advanced ${(advancedMs / 1000).toFixed(1)} s in ${(viewedMs / 1000).toFixed(1)} s, monotonic ${monotonic}`,
        `  HLS 360p hostile: ${segmentsMade(hostileWatch)} segments in ${(windowMs(hostileWatch) / 1000).toFixed(0)} s, longest wait ${longestWaitMs(hostileWatch)} ms, newest PDT ${hostileWatch.futurePdtMs} ms ahead of now`,
        `  HLS 360p clean neighbour: ${segmentsMade(controlWatch)} segments in ${(windowMs(controlWatch) / 1000).toFixed(0)} s, longest wait ${longestWaitMs(controlWatch)} ms`,
        `  encoder speed (hostile stream, after 15 s): max ${Math.max(0, ...speeds).toFixed(2)}, samples ${speeds.length}`,
        '',
      ].join('\n'),
    );

    for (const kind of ['forward_jump', 'backward_jump', 'jitter', 'constant', 'wrap'])
      expect({ kind, counted: (counted[kind] ?? 0) > 0 }).toEqual({ kind, counted: true });
    expect(viewerEnded).toBeUndefined();
    expect(monotonic).toBe(true);
    // No hour leap and no freeze. Loose on purpose: the viewer starts with the cached GOP (up to 2 s of past
    // media), and on a saturated CI machine the scripted publisher itself was seen to stall 4.4 s (38.0 s of
    // media in 42.4 s, with the same gap in the clean neighbour's HLS).
    expect(advancedMs).toBeGreaterThan(viewedMs / 2);
    expect(advancedMs).toBeLessThan(viewedMs + 10_000);
    // 2 s segments: one per target duration (±1 over the run), never a run of filler segments, never a long gap.
    for (const w of [hostileWatch, controlWatch]) {
      const expected = windowMs(w) / 2000;
      expect(segmentsMade(w)).toBeGreaterThanOrEqual(Math.floor(expected) - 2);
      expect(segmentsMade(w)).toBeLessThanOrEqual(Math.ceil(expected) + 2);
    }
    // The hostile stream's longest wait is judged against the clean neighbour's, which shows what the machine's
    // load alone costs (a saturated CI run saw 7.5 s in both; without the sanitizer the hostile one had 10.3 s
    // against the neighbour's ~2.5 s).
    expect(longestWaitMs(controlWatch)).toBeLessThan(15_000);
    expect(longestWaitMs(hostileWatch)).toBeLessThan(Math.max(8000, longestWaitMs(controlWatch) + 4000));
    expect(hostileWatch.futurePdtMs).toBeLessThan(10_000);
    expect(speeds.length).toBeGreaterThan(0);
    expect(Math.max(...speeds)).toBeLessThan(2);
  });
});
