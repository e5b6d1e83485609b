import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { HlsOriginSchema, transcodeContracts, type HlsOrigin } from '@mediaplane/contracts';
import { transcodeKeys } from '@mediaplane/sessions';
import {
  ffprobe,
  freePort,
  hlsPlayerState as playerState,
  killAllChildren,
  launchChromium,
  sleep,
  startApp,
  startHlsPlayer as startPlayer,
  uniqueNamespace,
  waitFor,
  type AppProcess,
} from '@mediaplane/testing';
import { startFlvTestSource, type FlvTestSource } from './support/flv-test-source';
import { parseMedia } from '@mediaplane/testing';
import { PlatformStandIn } from './support/live-stream-stand-in';
import { ffmpegProcessesUsing } from './support/process-table';

jest.setTimeout(240_000);

const SECRET = 'e2e-playback-secret-0123456789';
// The origin entry outlives its last refresh this long (shortened so the single-worker hang outlasts it).
const ORIGIN_TTL_MS = '6000';
describe('HLS playback in Chromium (hls.js) across a hung worker, a killed worker and a hang of the only worker', () => {
  const ns = uniqueNamespace('play');
  const dirs = [mkdtempSync(join(tmpdir(), 'mp-play-a-')), mkdtempSync(join(tmpdir(), 'mp-play-b-'))];
  const streamId = `play_${Date.now().toString(36)}`;
  const sessionId = PlatformStandIn.sessionId();
  let source: FlvTestSource;
  let platform: PlatformStandIn;
  let workers: AppProcess[] = [];
  let edge: AppProcess;
  let browser: Browser;
  let page: Page;
  const claims: Array<{ worker: string; delivery: number; receivedAt: number }> = [];

  const origin = async (): Promise<HlsOrigin | undefined> => {
    const raw = await platform.redis.get(transcodeKeys(ns).hlsOrigin(streamId));
    return raw ? HlsOriginSchema.parse(JSON.parse(raw)) : undefined;
  };

  beforeAll(async () => {
    const env = { MEDIAPLANE_NAMESPACE: ns, MEDIAPLANE_PLAYBACK_SECRET: SECRET };
    [source, platform, browser] = await Promise.all([
      startFlvTestSource({ width: 854, height: 480, fps: 30, gopFrames: 60, secret: SECRET }),
      PlatformStandIn.connect(ns),
      launchChromium(),
    ]);
    platform.bus.subscribe(transcodeContracts.jobClaimed, (c) => void claims.push({ ...c, receivedAt: Date.now() }), { queue: false });
    const workerEnv = (dir: string) => ({
      ...env,
      TRANSCODE_WORK_DIR: dir,
      TRANSCODE_RECORDINGS_DIR: join(dir, 'recordings'),
      TRANSCODE_MAX_JOBS: '1',
      TRANSCODE_ORIGIN_TTL_MS: ORIGIN_TTL_MS,
    });
    workers = await Promise.all(dirs.map(async (dir) => startApp('transcode', { httpPort: await freePort(), env: workerEnv(dir) })));
    edge = await startApp('edge', { httpPort: await freePort(), env });
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([edge?.stop(), ...workers.map((w) => w.stop())]);
    await platform?.end({ streamId, sessionId }).catch(() => undefined);
    await platform?.close();
    await source?.close();
    await killAllChildren();
    for (const dir of dirs) {
      expect(ffmpegProcessesUsing(dir)).toEqual([]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** Polls the 360p playlist on the edge every 100 ms: the statuses it got, and when a segment past `afterMsn` appeared. */
  const watchPlaylist = (afterMsn: number) => {
    const statuses: number[] = [];
    const retryAfter: Array<string | null> = [];
    let resumedAt: number | undefined;
    let watching = true;
    const done = (async () => {
      while (watching) {
        const res = await fetch(`${edge.httpUrl}/hls/${streamId}/360p/index.m3u8`);
        statuses.push(res.status);
        if (res.status === 200) {
          const newest = parseMedia(await res.text()).segments.at(-1)?.msn ?? -1;
          if (newest > afterMsn) resumedAt ??= Date.now();
        } else {
          retryAfter.push(res.headers.get('retry-after'));
          await res.body?.cancel();
        }
        await sleep(100);
      }
    })();
    return {
      statuses,
      retryAfter,
      resumedAt: () => resumedAt,
      stop: async () => {
        watching = false;
        await done;
      },
    };
  };
  const newestMsn = async () => parseMedia(await (await fetch(`${edge.httpUrl}/hls/${streamId}/360p/index.m3u8`)).text()).segments.at(-1)?.msn ?? -1;
  const holderOf = async (): Promise<AppProcess> => {
    const current = await origin();
    // A hung (stopped) or killed worker does not answer: it is not the one the origin entry names now.
    const idOf = async (w: AppProcess) =>
      ((await (await fetch(`${w.httpUrl}/healthz`, { signal: AbortSignal.timeout(1000) })).json()) as { instanceId: string }).instanceId;
    const ids = await Promise.all(workers.map((w) => idOf(w).catch(() => undefined)));
    const index = ids.indexOf(current?.worker ?? '');
    expect(index).toBeGreaterThanOrEqual(0);
    return workers[index] as AppProcess;
  };
  /** When the other worker announced its claim (FFmpeg started), counted from `since`. */
  const claimedAfter = (since: number): string => {
    const claim = claims.find((c) => c.receivedAt > since);
    return claim ? `claimed by the other worker after ${claim.receivedAt - since} ms` : 'no claim seen';
  };
  const dirOf = (worker: AppProcess) => dirs[workers.indexOf(worker)] as string;
  const handovers: string[] = [];

  it('plays the master playlist in hls.js', async () => {
    await platform.goLive({ streamId, sessionId, pullUrl: source.pullUrl(streamId), width: 854, height: 480, record: true });
    const url = `${edge.httpUrl}/hls/${streamId}/master.m3u8`;
    await waitFor(async () => (await fetch(url)).status === 200, { timeoutMs: 30_000, intervalMs: 200, what: 'master.m3u8' });
    await startPlayer(page, url);
    await waitFor(async () => (await playerState(page)).currentTime > 3, { timeoutMs: 40_000, intervalMs: 250, what: 'hls.js playback to advance' });
  });

  it('hands a hung worker’s stream (SIGSTOP) to the other worker, and the hung one gives it up when it wakes', async () => {
    const hung = await holderOf();
    const survivor = workers.find((w) => w !== hung) as AppProcess;
    const watch = watchPlaylist(await newestMsn());
    const stoppedAt = Date.now();
    process.kill(hung.process.pid as number, 'SIGSTOP');
    try {
      await waitFor(async () => ((await origin())?.worker !== undefined && (await holderOf()) === survivor ? true : undefined), {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: 'the other worker to take the stream',
      });
      await waitFor(() => watch.resumedAt(), { timeoutMs: 30_000, intervalMs: 100, what: 'a new segment on the edge' });
    } finally {
      process.kill(hung.process.pid as number, 'SIGCONT');
    }
    await watch.stop();
    const resumedMs = (watch.resumedAt() as number) - stoppedAt;
    handovers.push(`SIGSTOP: ${claimedAfter(stoppedAt)}, next segment on the edge ${resumedMs} ms after the worker hung`);
    process.stdout.write(`takeover: ${handovers.at(-1)}\n`);
    // Players never see 404 ("unknown stream" is fatal to them): the last playlist, or 503 with Retry-After.
    expect(watch.statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(watch.retryAfter.every((r) => r === '1')).toBe(true);
    expect(resumedMs).toBeLessThan(20_000);
    // Woken up, the hung worker finds its lease taken and stops its encoder instead of producing twice.
    await waitFor(() => ffmpegProcessesUsing(dirOf(hung)).length === 0, { timeoutMs: 20_000, what: "the woken worker's FFmpeg to stop" });
    expect(hung.process.exitCode).toBeNull();
    const state = await playerState(page);
    handovers.push(`player at ${state.currentTime.toFixed(1)} s, errors ${JSON.stringify(state.errors)}`);
  });

  it('resumes after the worker producing it is killed (SIGKILL), with a playable cut recording and a discontinuity', async () => {
    const holder = await holderOf();
    const survivor = workers.find((w) => w !== holder) as AppProcess;
    const lastMsnBefore = await newestMsn();
    const playedBefore = (await playerState(page)).currentTime;
    const watch = watchPlaylist(lastMsnBefore);
    const killedAt = Date.now();
    await holder.kill();
    // Its encoder dies with it (parent-death signal): no orphaned FFmpeg keeps writing.
    await waitFor(() => ffmpegProcessesUsing(dirOf(holder)).length === 0, { timeoutMs: 5000, what: "the killed worker's FFmpeg to exit" });
    await waitFor(() => watch.resumedAt(), { timeoutMs: 30_000, intervalMs: 100, what: 'a new segment on the edge' });
    await watch.stop();
    const resumedMs = (watch.resumedAt() as number) - killedAt;
    handovers.push(`SIGKILL: ${claimedAfter(killedAt)}, next segment on the edge ${resumedMs} ms after the kill`);
    process.stdout.write(`takeover: ${handovers.at(-1)}\n`);
    expect(watch.statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(resumedMs).toBeLessThan(20_000);
    expect(await holderOf()).toBe(survivor);
    expect(claims.filter((c) => c.delivery >= 2).length).toBeGreaterThan(0);

    // The killed worker's recording is cut short but stays playable (MPEG-TS needs no trailer).
    const recordingsDir = join(dirOf(holder), 'recordings', streamId);
    const recording = readdirSync(recordingsDir).map((f) => join(recordingsDir, f))[0] as string;
    const probed = await ffprobe(recording, ['-show_format']);
    expect(probed.streams.map((s) => s.codec_name)).toEqual(['h264', 'aac']);
    expect(Number((probed as unknown as { format: { duration: string } }).format.duration)).toBeGreaterThan(3);

    // The playlist goes on: numbering continues and a discontinuity marks the new producer.
    const continued = await waitFor(
      async () => {
        const p = parseMedia(await (await fetch(`${edge.httpUrl}/hls/${streamId}/360p/index.m3u8`)).text());
        return p.segments.some((s) => s.discontinuity && s.msn > lastMsnBefore) ? p : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250, what: 'a discontinuity in the playlist' },
    );
    const firstNew = continued.segments.find((s) => s.discontinuity && s.msn > lastMsnBefore);
    expect(firstNew?.msn).toBeGreaterThan(lastMsnBefore);

    // And the player, which never reloaded, plays on.
    await waitFor(async () => (await playerState(page)).currentTime > playedBefore + 6, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: `playback to resume after the takeover (${handovers.join('; ')}; now ${JSON.stringify(await playerState(page))})`,
    });
    expect((await playerState(page)).errors.filter((e) => e.fatal)).toEqual([]);
  });

  it('answers 503 with Retry-After or the last playlist, never 404, while the only worker hangs, and goes on when it wakes', async () => {
    const only = await holderOf();
    const lastMsnBefore = await newestMsn();
    const watch = watchPlaylist(Number.MAX_SAFE_INTEGER);
    process.kill(only.process.pid as number, 'SIGSTOP');
    try {
      // Longer than the origin entry's TTL, so the edge no longer knows any origin for the stream.
      await sleep(Number(ORIGIN_TTL_MS) + 3000);
    } finally {
      process.kill(only.process.pid as number, 'SIGCONT');
    }
    await watch.stop();
    const gaps = watch.statuses.filter((s) => s === 503).length;
    handovers.push(`only worker hung ${Number(ORIGIN_TTL_MS) + 3000} ms: ${watch.statuses.length} playlist polls, ${gaps} × 503 (Retry-After), the rest 200`);
    expect(watch.statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    await waitFor(async () => ((await newestMsn()) > lastMsnBefore + 1 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'segments again after the worker woke',
    });
    process.stdout.write(`takeover: ${handovers.join('; ')}\n`);
  });
});
