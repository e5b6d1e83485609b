import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  ffmpegPublish,
  freePorts,
  freeRtcPortRange,
  killAllChildren,
  launchChromium,
  loopbackSfuEnv,
  startApp,
  testLogDir,
  waitFor,
  type AppProcess,
  type Publisher,
} from '@mediaplane/testing';
import { ControlPlaneHarness } from '../../test/control-plane-harness';

interface RenditionView {
  name: string;
  width: number;
  height: number;
}

// Read inside the page; the workspace compiles without the DOM library.
interface VideoLike {
  currentTime: number;
  videoWidth: number;
  videoHeight: number;
  hidden: boolean;
}
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

/**
 * The stream page with the whole platform behind it — control plane, ingest,
 * transcode worker, HLS edge and the SFU as real
 * processes — in headless Chromium: FFmpeg publishes 1280x720, the page lists
 * the transcoder's renditions, plays HLS from the edge with hls.js and shows
 * the level it plays, draws the bitrate history, and says plainly that WebRTC
 * is not available instead of showing a broken player.
 */
describe('the dashboard stream page: HLS playback and the WebRTC option (real platform, Chromium)', () => {
  const work = mkdtempSync(join(tmpdir(), 'mp-dash-hls-'));
  let cp: ControlPlaneHarness;
  let apps: AppProcess[] = [];
  let edgeUrl = '';
  let whepBase = '';
  let rtmpPort = 0;
  let browser: Browser;
  let page: Page;
  const publishers: Publisher[] = [];
  let streamId = '';
  const pageErrors: string[] = [];
  const requests: string[] = [];

  const shot = (name: string) => page.screenshot({ path: join(testLogDir(), `dashboard-hls-${name}.png`), fullPage: true });
  const video = () => page.getByTestId('player');
  const currentTime = () => video().evaluate((v) => (v as unknown as VideoLike).currentTime);
  const videoSize = () => video().evaluate((v) => `${(v as unknown as VideoLike).videoWidth}x${(v as unknown as VideoLike).videoHeight}`);
  const apiRenditions = async () => (await cp.api<{ renditions: RenditionView[] }>('GET', `/api/v1/streams/${streamId}`)).body.renditions;

  /** The player's clock moves on by `seconds` (frames really arrive and decode), measured from its first reading above 0. */
  const expectClockToAdvance = async (seconds: number, what: string) => {
    const first = await waitFor(async () => ((await currentTime()) > 0 ? currentTime() : undefined), {
      timeoutMs: 40_000,
      what: `${what}: the player to start`,
    });
    await waitFor(async () => (await currentTime()) > first + seconds, { timeoutMs: 30_000, what: `${what}: the clock to advance ${seconds} s` });
  };

  beforeAll(async () => {
    let ingestHttp: number, edgeHttp: number, sfuHttp: number, transcodeHttp: number, rtmpsPort: number;
    [rtmpPort, ingestHttp, edgeHttp, sfuHttp, transcodeHttp, rtmpsPort] = (await freePorts(6)) as [number, number, number, number, number, number];
    edgeUrl = `http://127.0.0.1:${edgeHttp}`;
    whepBase = `http://127.0.0.1:${sfuHttp}/whep`;
    const harness = ControlPlaneHarness.start({
      MEDIAPLANE_PUBLIC_RTMP_URL: `rtmp://127.0.0.1:${rtmpPort}/live`,
      MEDIAPLANE_PUBLIC_FLV_URL: `http://127.0.0.1:${ingestHttp}/live`,
      MEDIAPLANE_PUBLIC_HLS_URL: `${edgeUrl}/hls`,
      MEDIAPLANE_PUBLIC_WHEP_URL: whepBase,
    });
    const chromium = launchChromium();
    // The harness picks the control plane's port itself: let it bind before the other apps take theirs.
    try {
      cp = await harness;
    } catch (error) {
      await (await chromium).close();
      throw error;
    }
    const env = cp.platform.env;
    [browser, ...apps] = await Promise.all([
      chromium,
      startApp('edge', { httpPort: edgeHttp, env }),
      freeRtcPortRange(100).then((range) => startApp('sfu', { httpPort: sfuHttp, env: { ...env, ...loopbackSfuEnv('mediasoup', range) } })),
      startApp('ingest', { httpPort: ingestHttp, env: { ...env, INGEST_RTMP_PORT: String(rtmpPort), INGEST_RTMPS_PORT: String(rtmpsPort) } }),
      startApp('transcode', { httpPort: transcodeHttp, env: { ...env, TRANSCODE_WORK_DIR: work, TRANSCODE_MAX_JOBS: '2' } }),
    ]);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
    page.on('request', (req) => requests.push(`${req.method()} ${req.url()}`));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(publishers.map((p) => p.stop()));
    await browser?.close();
    await Promise.all(apps.map((a) => a.stop()));
    await cp?.stop();
    await killAllChildren();
    rmSync(work, { recursive: true, force: true });
  });

  it('signs in and creates a stream from the page', async () => {
    await page.goto(cp.url);
    await page.getByTestId('admin-token').fill(cp.platform.adminToken);
    await page.getByTestId('sign-in').click();
    await page.getByTestId('new-stream-name').fill('HLS show');
    await page.getByTestId('create-stream').click();
    const rtmp = await page.getByTestId('ingest-rtmp').inputValue();
    expect(rtmp).toMatch(new RegExp(`^rtmp://127\\.0\\.0\\.1:${rtmpPort}/live/sk_`));
    const row = page.getByTestId('stream-row').filter({ hasText: 'HLS show' });
    streamId = (await row.getAttribute('data-stream-id')) as string;
    await row.getByTestId('stream-link').click();
    await page.getByTestId('stream-title').getByText('HLS show').waitFor();
    await page.getByTestId('player-card').and(page.locator('[data-state="offline"]')).waitFor();
    publishers.push(ffmpegPublish({ url: rtmp, width: 1280, height: 720, fps: 30, gopFrames: 60, videoBitrateKbps: 2000 }));
  });

  it('turns live, lists the renditions the transcoder reports, and counts the FLV viewer', async () => {
    await page.getByTestId('stream-status').getByText('LIVE').waitFor({ timeout: 30_000 });
    await page.getByTestId('stat-video').getByText('1280×720').waitFor({ timeout: 15_000 });
    // HTTP-FLV is the default player: it plays, and the ingest node counts it.
    await expectClockToAdvance(1, 'FLV');
    await page.getByTestId('stat-viewers').getByText('(flv 1)').waitFor({ timeout: 15_000 });

    const rows = page.getByTestId('rendition-row');
    await rows.first().waitFor({ timeout: 40_000 });
    const api = await apiRenditions();
    expect(api.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...api.map((r) => r.height))).toBe(720);
    const shown = await Promise.all(
      (await rows.all()).map(async (row) => `${await row.getAttribute('data-name')} ${await row.getByTestId('rendition-size').textContent()}`),
    );
    expect(shown).toEqual(api.map((r) => `${r.name} ${r.width}×${r.height}`));
    await shot('flv-renditions');
  });

  it('plays the edge HLS with hls.js and shows the level it plays, following a pinned level', async () => {
    const renditions = await apiRenditions();
    requests.length = 0;
    await page.getByTestId('player-kind-hls').check();
    await page.getByTestId('player-status').getByText('Playing over HLS (hls.js).').waitFor({ timeout: 30_000 });
    await expectClockToAdvance(2, 'HLS');
    // The media came from the edge: the master playlist, a media playlist and segments.
    const fromEdge = requests.filter((r) => r.startsWith(`GET ${edgeUrl}/hls/${streamId}/`));
    expect(fromEdge.some((r) => r.includes('/master.m3u8'))).toBe(true);
    expect(fromEdge.some((r) => /\/[^/]+\/index\.m3u8/.test(r))).toBe(true);
    expect(fromEdge.some((r) => !r.includes('.m3u8'))).toBe(true);

    // Automatic choice: the level shown is a real rendition, and the one being decoded.
    const level = page.getByTestId('player-level');
    await waitFor(async () => (await level.getAttribute('data-width')) !== '0' && (await level.getAttribute('data-width')) !== null, {
      timeoutMs: 20_000,
      what: 'a level reported',
    });
    await waitFor(async () => `${await level.getAttribute('data-width')}x${await level.getAttribute('data-height')}` === (await videoSize()), {
      timeoutMs: 30_000,
      what: 'the reported level to match the decoded video size',
    });
    const autoName = (await level.getAttribute('data-level')) as string;
    expect(renditions.map((r) => r.name)).toContain(autoName);
    expect(await level.textContent()).toContain('(auto)');
    const options = await page.getByTestId('player-level-select').locator('option').allTextContents();
    expect(options[0]).toBe('Auto');
    expect(
      options
        .slice(1)
        .map((o) => o.split(',')[0])
        .sort(),
    ).toEqual(renditions.map((r) => `${r.name} — ${r.width}×${r.height}`).sort());
    await shot('hls-auto');

    // Pinning the smallest rendition switches what is decoded, and the indicator follows.
    const smallest = renditions.reduce((a, b) => (b.height < a.height ? b : a));
    await page.getByTestId('player-level-select').selectOption({ label: options.find((o) => o.startsWith(`${smallest.name} —`)) as string });
    await waitFor(async () => (await level.getAttribute('data-level')) === smallest.name, { timeoutMs: 20_000, what: `the indicator on ${smallest.name}` });
    await waitFor(async () => (await videoSize()) === `${smallest.width}x${smallest.height}`, { timeoutMs: 30_000, what: `${smallest.name} decoded` });
    expect(await level.textContent()).toContain(`${smallest.name} · ${smallest.width}×${smallest.height}`);
    expect(await level.textContent()).toContain('(pinned)');
    const pinnedAt = await currentTime();
    await waitFor(async () => (await currentTime()) > pinnedAt + 1, { timeoutMs: 20_000, what: 'playback to go on after the switch' });
    await shot('hls-pinned');
  });

  it('draws the bitrate history and keeps the viewer counts current from the API', async () => {
    const chart = page.getByTestId('bitrate-chart');
    const samples = async () => Number(await chart.getAttribute('data-samples'));
    const before = await samples();
    expect(before).toBeGreaterThanOrEqual(3);
    await waitFor(async () => (await samples()) >= before + 2, { timeoutMs: 15_000, what: 'two more bitrate samples' });
    // The line is really drawn: pixels of the accent colour on the canvas.
    const accentPixels = await chart.evaluate((el) => {
      const canvas = el as unknown as CanvasLike;
      const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
      let n = 0;
      for (let i = 0; i < data.length; i += 4)
        if (Math.abs((data[i] ?? 0) - 0x4f) < 24 && Math.abs((data[i + 1] ?? 0) - 0xd1) < 24 && Math.abs((data[i + 2] ?? 0) - 0xc5) < 24) n++;
      return n;
    });
    expect(accentPixels).toBeGreaterThan(50);
    const bitrate = (await page.getByTestId('stat-bitrate').textContent()) ?? '';
    expect(bitrate).toMatch(/^[\d.]+ (kb|Mb)\/s$/);
    expect(bitrate).not.toBe('0 kb/s');
    // The FLV player is gone since the switch to HLS; the count drops with the next stats update.
    await waitFor(async () => !((await page.getByTestId('stat-viewers').textContent()) ?? '').includes('flv'), {
      timeoutMs: 15_000,
      what: 'the FLV viewer to leave the count',
    });
    // hls.js is now the viewer, counted by the edge and summed by the control plane.
    await page.getByTestId('stat-viewers').getByText('(hls 1)').waitFor({ timeout: 15_000 });
  });

  it('plays the RTMP stream over WebRTC, through the SFU\'s RTMP → WHEP bridge', async () => {
    await page.getByTestId('player-kind-whep').check();
    await page.getByTestId('player-status').getByText(/^Playing over WebRTC/).waitFor({ timeout: 30_000 });
    await expectClockToAdvance(1, 'WebRTC through the bridge');
    await shot('whep-bridge');
  });

  it('says WebRTC is not available when the SFU does not serve the stream, instead of a broken player, and stops trying', async () => {
    const whepPosts = () => requests.filter((r) => r.startsWith(`POST ${whepBase}/${streamId}`)).length;
    // An SFU that has no way to play the stream (a werift SFU, say) answers 404 with CORS headers.
    await page.route(`${whepBase}/**`, (route) =>
      route.fulfill({
        status: 404,
        headers: { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type', 'content-type': 'application/json' },
        body: JSON.stringify({ statusCode: 404, error: 'Not Found', message: 'not served here' }),
      }),
    );
    await page.getByTestId('player-kind-hls').check();
    requests.length = 0;
    await page.getByTestId('player-kind-whep').check();
    const panel = page.getByTestId('player-unavailable');
    await panel.getByText('WebRTC playback is not available for this stream.').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('player-unavailable-detail').textContent()).toContain('the WHEP endpoint answered 404');
    expect(await video().evaluate((v) => (v as unknown as VideoLike).hidden)).toBe(true);
    expect(await page.getByTestId('player-card').getAttribute('data-state')).toBe('unavailable');
    expect(await page.getByTestId('player-level').isVisible()).toBe(false);
    const posts = whepPosts();
    expect(posts).toBe(1);
    await page.waitForTimeout(5000); // two poll rounds and more than the 2 s retry delay
    expect(whepPosts()).toBe(posts);
    await shot('whep-unavailable');
    await page.unrouteAll();

    // An SFU that is down (5xx) gets the same clear state, naming the platform and the status.
    await page.route(`${whepBase}/**`, (route) =>
      route.fulfill({
        status: 503,
        headers: { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type', 'content-type': 'application/json' },
        body: JSON.stringify({ statusCode: 503, error: 'stand-in', message: 'no WHEP here' }),
      }),
    );
    await page.getByTestId('player-unavailable-retry').click();
    await page.getByTestId('player-unavailable-detail').getByText('the WHEP endpoint answered 503').waitFor({ timeout: 20_000 });
    await expect(panel.getByText('WebRTC playback is not available on this platform.').isVisible()).resolves.toBe(true);
    await page.unrouteAll();
  });

  it('plays HLS again when switched back from the WebRTC option', async () => {
    await page.getByTestId('player-kind-hls').check();
    expect(await page.getByTestId('player-unavailable').isVisible()).toBe(false);
    await page.getByTestId('player-status').getByText('Playing over HLS (hls.js).').waitFor({ timeout: 30_000 });
    await expectClockToAdvance(1, 'HLS again');
  });

  it('plays a private stream over HLS with a playback token it fetches itself, keeping the HLS choice', async () => {
    await Promise.all(publishers.splice(0).map((p) => p.stop())); // the first stream's work is done; spare the two cores
    const created = await cp.api<{ id: string; ingest: { rtmp: string } }>('POST', '/api/v1/streams', { body: { name: 'Private HLS', private: true } });
    expect(created.status).toBe(201);
    const { id } = created.body;
    publishers.push(ffmpegPublish({ url: created.body.ingest.rtmp, width: 640, height: 360, fps: 30, gopFrames: 60 }));
    requests.length = 0;
    await page.goto(`${cp.url}/#/streams/${id}`);
    await page.getByTestId('stream-title').getByText('Private HLS').waitFor();
    expect(await page.getByTestId('player-kind-hls').isChecked()).toBe(true);
    await page.getByTestId('stream-status').getByText('LIVE').waitFor({ timeout: 30_000 });
    await page.getByTestId('player-status').getByText('Playing over HLS (hls.js).').waitFor({ timeout: 40_000 });
    await expectClockToAdvance(1, 'private HLS');
    // Every playlist and segment the page fetched from the edge carried the token; without one the edge refuses.
    const fromEdge = requests.filter((r) => r.startsWith(`GET ${edgeUrl}/hls/${id}/`));
    expect(fromEdge.length).toBeGreaterThanOrEqual(3);
    expect(fromEdge.filter((r) => !/[?&]token=/.test(r))).toEqual([]);
    expect((await fetch(`${edgeUrl}/hls/${id}/master.m3u8`)).status).toBe(401);
    await waitFor(async () => (await videoSize()) !== '0x0', { timeoutMs: 10_000, what: 'a decoded frame' });
    const level = page.getByTestId('player-level');
    expect(`${await level.getAttribute('data-width')}x${await level.getAttribute('data-height')}`).not.toBe('0x0');
    await shot('private-hls');
    expect(pageErrors.filter((e) => /Content Security Policy|Uncaught|ReferenceError/.test(e))).toEqual([]);
  });
});
