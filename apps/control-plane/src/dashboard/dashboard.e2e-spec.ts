import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ffmpegPublish, launchChromium, freePort, killAllChildren, startApp, testLogDir, waitFor, type AppProcess, type Publisher } from '@mediaplane/testing';
import { ControlPlaneHarness } from '../../test/control-plane-harness';

describe('the dashboard in headless Chromium', () => {
  let cp: ControlPlaneHarness;
  let ingest: AppProcess | undefined;
  let browser: Browser;
  let page: Page;
  let rtmpPort = 0;
  let publisher: Publisher | undefined;
  const pageErrors: string[] = [];
  let created: { id: string; streamKey: string; rtmp: string } | undefined;

  beforeAll(async () => {
    rtmpPort = await freePort();
    const ingestHttpPort = await freePort();
    cp = await ControlPlaneHarness.start({
      MEDIAPLANE_PUBLIC_RTMP_URL: `rtmp://127.0.0.1:${rtmpPort}/live`,
      MEDIAPLANE_PUBLIC_FLV_URL: `http://127.0.0.1:${ingestHttpPort}/live`,
    });
    ingest = await startApp('ingest', {
      httpPort: ingestHttpPort,
      env: { ...cp.platform.env, INGEST_RTMP_PORT: String(rtmpPort), INGEST_RTMPS_PORT: String(await freePort()) },
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
  }, 90_000);

  afterAll(async () => {
    await publisher?.stop();
    await browser?.close();
    await ingest?.stop();
    await cp?.stop();
    await killAllChildren();
  });

  const shot = (name: string) => page.screenshot({ path: join(testLogDir(), `dashboard-${name}.png`), fullPage: true });

  it('refuses a wrong token and signs in with the admin token', async () => {
    await page.goto(cp.url);
    await page.getByTestId('admin-token').fill('not-the-admin-token-at-all');
    await page.getByTestId('sign-in').click();
    await page.getByTestId('sign-in-error').getByText('That token was refused.').waitFor();
    await page.getByTestId('admin-token').fill(cp.platform.adminToken);
    await page.getByTestId('sign-in').click();
    await page.getByTestId('streams-table').waitFor();
    await page.getByTestId('streams-status').getByText('No streams yet').waitFor();
    pageErrors.length = 0; // the refused attempt's 401 is expected; anything later is not
  });

  it('creates a stream and shows its key and publish URLs to copy', async () => {
    await page.getByTestId('new-stream-name').fill('Browser show');
    await page.getByTestId('create-stream').click();
    const details = page.getByTestId('publish-details');
    await details.waitFor();
    const streamKey = await page.getByTestId('stream-key').inputValue();
    const rtmp = await page.getByTestId('ingest-rtmp').inputValue();
    expect(streamKey).toMatch(/^sk_/);
    expect(rtmp).toBe(`rtmp://127.0.0.1:${rtmpPort}/live/${streamKey}`);
    expect(await page.getByTestId('ingest-srt').inputValue()).toContain(`r=live/${streamKey}`);
    const row = page.getByTestId('stream-row').filter({ hasText: 'Browser show' });
    await row.waitFor();
    const id = (await row.getAttribute('data-stream-id')) as string;
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    created = { id, streamKey, rtmp };
    // The same stream through the API, with no key in sight.
    const view = await cp.api('GET', `/api/v1/streams/${id}`);
    expect(view.body).toMatchObject({ name: 'Browser show', live: false });
    await shot('created');
  });

  it('lists the cluster nodes, refreshing by itself', async () => {
    await page.getByTestId('nav-nodes').click();
    await page.getByTestId('node-row').filter({ hasText: 'control-plane' }).first().waitFor();
    if (ingest) await page.locator('[data-testid="node-row"][data-app="ingest"]').first().waitFor({ timeout: 15_000 });
    await shot('nodes');
    await page.getByTestId('nav-streams').click();
    await page.getByTestId('streams-table').waitFor();
  });

  it('shows the stream turn live when FFmpeg publishes, and plays it over HTTP-FLV', async () => {
    if (!created) throw new Error('the create test did not run');
    const { id, rtmp } = created;
    await page.getByTestId('stream-link').filter({ hasText: 'Browser show' }).click();
    await page.getByTestId('stream-title').getByText('Browser show').waitFor();

    publisher = ffmpegPublish({ url: rtmp, width: 640, height: 360, fps: 25 });
    await page.getByTestId('stream-status').getByText('LIVE').waitFor({ timeout: 30_000 });
    await page.getByTestId('stat-video').getByText('640×360', { exact: false }).waitFor({ timeout: 15_000 });

    // The player's clock must advance: frames really arrive and decode.
    const first = await waitFor(
      async () => {
        const t = await page.getByTestId('player').evaluate((v) => (v as unknown as { currentTime: number }).currentTime);
        return t > 0.5 ? t : undefined;
      },
      { timeoutMs: 30_000, what: 'the player to start' },
    );
    const later = await waitFor(
      async () => {
        const t = await page.getByTestId('player').evaluate((v) => (v as unknown as { currentTime: number }).currentTime);
        return t > first + 2 ? t : undefined;
      },
      { timeoutMs: 20_000, what: 'the player clock to advance 2 s' },
    );
    expect(later).toBeGreaterThan(first + 2);
    expect(await page.getByTestId('player').evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth)).toBe(640);

    // Snapshot through the control plane from the ingest node; bitrate history drawn.
    await waitFor(async () => page.getByTestId('snapshot').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0), {
      timeoutMs: 20_000,
      what: 'the snapshot image',
    });
    await shot('live');

    // The list shows it live too, with its viewers.
    const api = await cp.api<{ streams: Array<{ id: string; state: { viewersTotal: number } }> }>('GET', '/api/v1/streams?live=true');
    expect(api.body.streams.map((s) => s.id)).toEqual([id]);

    // Kick from the page: the publisher is dropped and the page says offline.
    await page.getByTestId('kick').click();
    await page.getByTestId('kick').click();
    await publisher.exited;
    await page.getByTestId('stream-status').getByText('offline').waitFor({ timeout: 20_000 });
    expect(pageErrors.filter((e) => !/FLV|NetworkError|ERR_|net::|404|502/.test(e))).toEqual([]);
  }, 120_000);

  it('plays a private stream with a playback token it fetches itself, and rotates its key', async () => {
    await page.getByTestId('nav-streams').click();
    await page.getByTestId('new-stream-name').fill('Private show');
    await page.getByTestId('new-stream-private').check();
    await page.getByTestId('create-stream').click();
    await page.getByTestId('publish-details').waitFor();
    const rtmp = await page.getByTestId('ingest-rtmp').inputValue();
    const row = page.getByTestId('stream-row').filter({ hasText: 'Private show' });
    await row.getByText('private', { exact: true }).waitFor();
    const id = (await row.getAttribute('data-stream-id')) as string;
    // Without a token the ingest node refuses the private stream.
    publisher = ffmpegPublish({ url: rtmp, width: 320, height: 180, fps: 25 });
    await waitFor(async () => (await cp.api<{ live: boolean }>('GET', `/api/v1/streams/${id}`)).body.live, {
      timeoutMs: 30_000,
      what: 'the private stream live',
    });
    const flv = (await cp.api<{ playback: { flv: string } }>('GET', `/api/v1/streams/${id}`)).body.playback.flv;
    expect((await fetch(flv)).status).toBe(401);

    await row.getByTestId('stream-link').click();
    await page.getByTestId('stream-status').getByText('LIVE').waitFor({ timeout: 30_000 });
    const first = await waitFor(
      async () => {
        const t = await page.getByTestId('player').evaluate((v) => (v as unknown as { currentTime: number }).currentTime);
        return t > 0.5 ? t : undefined;
      },
      { timeoutMs: 30_000, what: 'the private player to start' },
    );
    await waitFor(async () => (await page.getByTestId('player').evaluate((v) => (v as unknown as { currentTime: number }).currentTime)) > first + 1.5, {
      timeoutMs: 20_000,
      what: 'the private player clock to advance',
    });

    // Rotating the key disconnects the publisher and shows the new key once.
    await page.getByTestId('rotate-key').click();
    await page.getByTestId('rotate-key').click();
    const newKey = await page.getByTestId('publish-details').getByTestId('stream-key').inputValue();
    expect(rtmp).not.toContain(newKey);
    await publisher.exited;
    await page.getByTestId('stream-status').getByText('offline').waitFor({ timeout: 20_000 });
    await shot('private-rotated');
  }, 120_000);

  it('loaded without script errors or CSP violations', () => {
    expect(pageErrors.filter((e) => /Content Security Policy|Uncaught|TypeError|ReferenceError/.test(e))).toEqual([]);
  });
});
