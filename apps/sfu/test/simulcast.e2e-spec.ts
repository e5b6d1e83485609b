import type { Browser } from 'playwright-core';
import { BrowserRtcClient, killAllChildren, launchChromium, waitFor, type UdpThrottleRelay } from '@mediaplane/testing';
import { SfuHarness } from './sfu-harness';
import { availableEngines } from './sfu-engines';

jest.setTimeout(240_000);

const { engines } = availableEngines();

/**
 * Chromium publishes 1280x720 with three simulcast layers (¼, ½, full). A
 * viewer on an open loopback path gets a high layer; a viewer whose downlink
 * goes through a relay shaped to 300 kb/s gets the low one and keeps decoding.
 */
describe.each(engines)('simulcast with the %s engine (Chromium, shaped downlink)', (engine) => {
  let harness: SfuHarness;
  let browser: Browser;
  let relay: UdpThrottleRelay | undefined;

  beforeAll(async () => {
    [harness, browser] = await Promise.all([SfuHarness.start([engine]), launchChromium({ webrtc: true })]);
  }, 120_000);

  afterAll(async () => {
    relay?.close();
    await browser?.close();
    await harness?.stop();
    await killAllChildren();
  });

  it('gives a viewer with room the high layer and a throttled viewer the low layer', async () => {
    const sfuUrl = harness.sfu(engine).httpUrl;
    const stream = await harness.createStream(`simulcast ${engine}`);
    const publisher = await BrowserRtcClient.open(await browser.newPage(), `${sfuUrl}/healthz`);
    const published = await publisher.whip(`${sfuUrl}/whip/${stream.id}`, stream.streamKey, {
      simulcast: true,
      width: 1280,
      height: 720,
      videoCodec: 'video/VP8',
    });
    expect(published.status).toBe(201);
    expect(published.answer).toMatch(/a=simulcast:recv/);
    await waitFor(async () => ((await publisher.stats(published.id as number))?.rids.length ?? 0) >= 3, { timeoutMs: 30_000, what: 'three layers sent' });

    const open = await BrowserRtcClient.open(await browser.newPage(), `${sfuUrl}/healthz`);
    const wide = await open.whep(`${sfuUrl}/whep/${stream.id}`);
    expect(wide.status).toBe(201);
    const shaped = await BrowserRtcClient.open(await browser.newPage(), `${sfuUrl}/healthz`);
    const narrow = await shaped.whepThrottled(`${sfuUrl}/whep/${stream.id}`, 300_000);
    relay = narrow.relay;
    expect(narrow.status).toBe(201);

    const wideStats = await waitFor(
      async () => {
        const s = await open.stats(wide.id as number);
        return s && s.framesDecoded > 30 && s.frameWidth >= 640 ? s : undefined;
      },
      { timeoutMs: 60_000, what: 'the open viewer to decode a layer of 640 px or more' },
    );
    const narrowStats = await waitFor(
      async () => {
        const s = await shaped.stats(narrow.id as number);
        return s && s.framesDecoded > 30 && s.frameWidth > 0 && s.frameWidth <= 320 ? s : undefined;
      },
      { timeoutMs: 90_000, what: 'the throttled viewer to settle on the 320 px layer' },
    );
    // It keeps playing on the low layer, not frozen.
    await waitFor(async () => ((await shaped.stats(narrow.id as number))?.framesDecoded ?? 0) > narrowStats.framesDecoded + 30, {
      timeoutMs: 30_000,
      what: 'the throttled viewer to keep decoding',
    });
    process.stdout.write(
      `[simulcast ${engine}] open viewer ${wideStats.frameWidth}x${wideStats.frameHeight}; shaped viewer ${narrowStats.frameWidth}x${narrowStats.frameHeight}, relay dropped ${relay?.dropped}\n`,
    );
  });
});
