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
const ACK_WAIT_MS = 5000;
describe('HLS playback in Chromium (hls.js) across a worker takeover', () => {
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
  const claims: Array<{ worker: string; delivery: number }> = [];

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
    platform.bus.subscribe(transcodeContracts.jobClaimed, (c) => void claims.push(c), { queue: false });
    const workerEnv = (dir: string) => ({
      ...env,
      TRANSCODE_WORK_DIR: dir,
      TRANSCODE_RECORDINGS_DIR: join(dir, 'recordings'),
      TRANSCODE_MAX_JOBS: '1',
      TRANSCODE_JOB_ACK_WAIT_MS: String(ACK_WAIT_MS),
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

  it('plays the master playlist, and resumes after the worker producing it is killed', async () => {
    await platform.goLive({ streamId, sessionId, pullUrl: source.pullUrl(streamId), width: 854, height: 480, record: true });
    const url = `${edge.httpUrl}/hls/${streamId}/master.m3u8`;
    await waitFor(async () => (await fetch(url)).status === 200, { timeoutMs: 30_000, intervalMs: 200, what: 'master.m3u8' });

    await startPlayer(page, url);
    await waitFor(async () => (await playerState(page)).currentTime > 3, { timeoutMs: 40_000, intervalMs: 250, what: 'hls.js playback to advance' });

    // Kill (SIGKILL: no drain, no goodbye) whichever worker produces the stream.
    const before = await origin();
    const holderIndex = await Promise.all(
      workers.map(async (w) => ((await (await fetch(`${w.httpUrl}/healthz`)).json()) as { instanceId: string }).instanceId),
    ).then((ids) => ids.indexOf(before?.worker ?? ''));
    expect(holderIndex).toBeGreaterThanOrEqual(0);
    const holder = workers[holderIndex] as AppProcess;
    const survivor = workers[1 - holderIndex] as AppProcess;
    const lastMsnBefore = parseMedia(await (await fetch(`${edge.httpUrl}/hls/${streamId}/360p/index.m3u8`)).text()).segments.at(-1)?.msn ?? -1;
    const playedBefore = (await playerState(page)).currentTime;
    const killedAt = Date.now();
    await holder.kill();
    // Viewers' playlist requests keep succeeding during the handover: the edge serves the last playlist while the origin is down.
    const statuses: number[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        statuses.push((await fetch(`${edge.httpUrl}/hls/${streamId}/360p/index.m3u8`)).status);
        await sleep(300);
      }
    })();

    // Its encoder dies with it (parent-death signal): no orphaned FFmpeg keeps writing.
    await waitFor(() => ffmpegProcessesUsing(dirs[holderIndex] as string).length === 0, { timeoutMs: 5000, what: "the killed worker's FFmpeg to exit" });

    // JetStream hands the job to the other worker once the ack wait expires.
    const after = await waitFor(
      async () => {
        const o = await origin();
        return o && o.worker !== before?.worker ? o : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'the second worker to serve the stream' },
    );
    const handoverMs = Date.now() - killedAt;
    watching = false;
    await watcher;
    expect(statuses.length).toBeGreaterThan(5);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // The killed worker's recording is cut short but stays playable (MPEG-TS needs no trailer).
    const recordingsDir = join(dirs[holderIndex] as string, 'recordings', streamId);
    const recording = readdirSync(recordingsDir).map((f) => join(recordingsDir, f))[0] as string;
    const probed = await ffprobe(recording, ['-show_format']);
    expect(probed.streams.map((s) => s.codec_name)).toEqual(['h264', 'aac']);
    expect(Number((probed as unknown as { format: { duration: string } }).format.duration)).toBeGreaterThan(3);
    expect(handoverMs).toBeLessThan(ACK_WAIT_MS + 20_000);
    expect(claims.some((c) => c.worker === after.worker && c.delivery >= 2)).toBe(true);
    expect(survivor.process.exitCode).toBeNull();

    // The playlist goes on: numbering continues and a discontinuity marks the new producer.
    const continued = await waitFor(
      async () => {
        const p = parseMedia(await (await fetch(`${edge.httpUrl}/hls/${streamId}/360p/index.m3u8`)).text());
        return p.segments.some((s) => s.discontinuity) ? p : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250, what: 'a discontinuity in the playlist' },
    );
    const firstNew = continued.segments.find((s) => s.discontinuity);
    expect(firstNew?.msn).toBeGreaterThan(lastMsnBefore);
    expect(continued.segments.filter((s) => s.msn < (firstNew?.msn ?? 0))).toEqual([]);

    // And the player, which never reloaded, plays on.
    await waitFor(async () => (await playerState(page)).currentTime > playedBefore + 6, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'playback to resume after the takeover',
    });
    const state = await playerState(page);
    expect(state.errors.filter((e) => e.fatal)).toEqual([]);
    process.stdout.write(`takeover: new origin ${handoverMs} ms after SIGKILL; played ${playedBefore.toFixed(1)}s → ${state.currentTime.toFixed(1)}s\n`);
  });
});
