import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { LiveStreamStore, type LiveStreamState } from '@mediaplane/sessions';
import type { SrtLinkStats } from '@mediaplane/contracts';
import { killAllChildren, launchChromium, testLogDir } from '@mediaplane/testing';
import { ControlPlaneHarness } from '../../test/control-plane-harness';

/**
 * The dashboard's SRT pieces in headless Chromium: passphrase and latency on
 * create (and the SRT URL with them), editing them on the stream page, and the
 * link panel of a live SRT publisher. The live state is written into Redis the
 * way the ingest node writes it, so no SRT publisher is needed here (the SRT
 * listener's own tests publish for real).
 */
describe('the dashboard SRT settings and link panel in headless Chromium', () => {
  let cp: ControlPlaneHarness;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const PASSPHRASE = 'dashboard-srt.pass';

  beforeAll(async () => {
    cp = await ControlPlaneHarness.start({ MEDIAPLANE_PUBLIC_SRT_URL: 'srt://media.test:9000' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
    await page.goto(cp.url);
    await page.getByTestId('admin-token').fill(cp.platform.adminToken);
    await page.getByTestId('sign-in').click();
    await page.getByTestId('streams-table').waitFor();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
    await killAllChildren();
  });

  const shot = (name: string) => page.screenshot({ path: join(testLogDir(), `dashboard-srt-${name}.png`), fullPage: true });

  it('creates a stream with a passphrase and latency and shows the SRT URL with them, latency in microseconds', async () => {
    await page.getByTestId('new-stream-name').fill('SRT show');
    await page.getByTestId('new-stream-srt-passphrase').fill(PASSPHRASE);
    await page.getByTestId('new-stream-srt-key-length').selectOption('32');
    await page.getByTestId('new-stream-srt-latency').fill('250');
    await page.getByTestId('create-stream').click();
    await page.getByTestId('publish-details').waitFor();
    const key = await page.getByTestId('stream-key').inputValue();
    expect(await page.getByTestId('ingest-srt').inputValue()).toBe(
      `srt://media.test:9000?streamid=#!::r=live/${key},m=publish&passphrase=${PASSPHRASE}&pbkeylen=32&latency=250000`,
    );
    expect(await page.getByTestId('ingest-srt-streamid').inputValue()).toBe(`#!::r=live/${key},m=publish`);
    await page.getByTestId('ingest-srt-latency').getByText('latency=250000 (microseconds', { exact: false }).waitFor();
    await shot('created');
  });

  it('refuses a passphrase the SRT URL could not carry before sending it', async () => {
    await page.getByTestId('new-stream-name').fill('Bad pass');
    await page.getByTestId('new-stream-srt-passphrase').fill('has spaces & more');
    await page.getByTestId('create-stream').click();
    expect(await page.getByTestId('new-stream-srt-passphrase').evaluate((i) => (i as unknown as { validity: { valid: boolean } }).validity.valid)).toBe(false);
    await page.getByTestId('new-stream-srt-passphrase').fill('');
    await page.getByTestId('new-stream-name').fill('');
  });

  it('shows the SRT settings on the stream page (never the passphrase) and changes them', async () => {
    const row = page.getByTestId('stream-row').filter({ hasText: 'SRT show' });
    await row.waitFor();
    const id = (await row.getAttribute('data-stream-id')) as string;
    await row.getByTestId('stream-link').click();
    const status = page.getByTestId('srt-settings-status');
    await status.getByText('Passphrase set (AES-256) · latency 250 ms').waitFor();
    expect(await page.content()).not.toContain(PASSPHRASE);
    expect(await page.getByTestId('url-srt').inputValue()).toBe(`srt://media.test:9000?streamid=#!::r=live/${id},m=request`);

    await page.getByTestId('srt-latency').fill('800');
    await page.getByTestId('srt-save').click();
    await status.getByText('Passphrase set (AES-256) · latency 800 ms').waitFor();
    await page.getByTestId('srt-remove-passphrase').click();
    await status.getByText('No passphrase (unencrypted) · latency 800 ms').waitFor();
    expect((await cp.api<{ srt: unknown }>('GET', `/api/v1/streams/${id}`)).body.srt).toEqual({ passphraseSet: false, keyLength: null, latencyMs: 800 });

    await page.getByTestId('srt-passphrase').fill('another-pass.phrase');
    await page.getByTestId('srt-key-length').selectOption('24');
    await page.getByTestId('srt-save').click();
    await status.getByText('Passphrase set (AES-192) · latency 800 ms').waitFor();
    // Rotating the key shows the SRT URL with the new passphrase, once.
    await page.getByTestId('rotate-key').click();
    await page.getByTestId('rotate-key').click();
    await page.getByTestId('publish-details').waitFor();
    expect(await page.getByTestId('ingest-srt').inputValue()).toMatch(/&passphrase=another-pass\.phrase&pbkeylen=24&latency=800000$/);
    await page.getByTestId('ingest-srt-latency').getByText('Latency 800 ms', { exact: false }).waitFor();
  });

  it('shows the link statistics and SRT viewers while an SRT publisher is live, and hides them after', async () => {
    const id = /#\/streams\/(.+)$/.exec(page.url())?.[1] as string;
    const panel = page.getByTestId('srt-link-panel');
    expect(await panel.isHidden()).toBe(true);
    const store = new LiveStreamStore(cp.redis, cp.namespace);
    const link: SrtLinkStats = {
      rttMs: 48.2,
      bandwidthKbps: 95_000,
      receiveRateKbps: 6100,
      packetsReceived: 19_000,
      packetsLost: 1000,
      packetsRetransmitted: 980,
      packetsDropped: 7,
      receiveBufferMs: 236,
      latencyMs: 250,
    };
    const live: LiveStreamState = {
      streamId: id,
      sessionId: 'srt-1',
      node: 'ingest-srt-test',
      pullUrl: `http://127.0.0.1:1/live/${id}.flv`,
      protocol: 'srt',
      private: false,
      startedAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      media: { video: { codec: 'h264', width: 1280, height: 720, fps: 30 } },
      bitrateKbps: 5800,
      viewers: { srt: 3, flv: 1 },
      link,
    };
    expect(await store.claim(live, 30_000)).toBe(true);
    await page.getByTestId('stream-status').getByText('LIVE').waitFor({ timeout: 15_000 });
    await panel.waitFor();
    expect(await page.getByTestId('link-rtt').textContent()).toBe('48.2 ms');
    expect(await page.getByTestId('link-lost').textContent()).toBe('1000 (5.00 %)');
    expect(await page.getByTestId('link-retransmitted').textContent()).toBe('980');
    expect(await page.getByTestId('link-dropped').textContent()).toMatch(/^7 /);
    expect(await page.getByTestId('link-receive-rate').textContent()).toBe('6.10 Mb/s');
    expect(await page.getByTestId('link-buffer').textContent()).toBe('236 ms');
    expect(await page.getByTestId('link-latency').textContent()).toBe('250 ms');
    expect(await page.getByTestId('stat-viewers').textContent()).toBe('4 (srt 3, flv 1)');
    expect(await page.getByTestId('stat-publisher').textContent()).toBe('SRT via ingest-srt-test');

    // The numbers refresh like the other live fields.
    expect(await store.update({ ...live, updatedAt: new Date().toISOString(), link: { ...link, rttMs: 12 } }, 30_000)).toBe(true);
    await page.getByTestId('link-rtt').getByText('12.0 ms').waitFor({ timeout: 15_000 });
    await shot('link');

    await store.release(id, 'srt-1');
    await page.getByTestId('stream-status').getByText('offline').waitFor({ timeout: 15_000 });
    expect(await panel.isHidden()).toBe(true);
  });

  it('ran without script errors or CSP violations', () => {
    expect(pageErrors.filter((e) => /Content Security Policy|Uncaught|TypeError|ReferenceError/.test(e))).toEqual([]);
  });
});
