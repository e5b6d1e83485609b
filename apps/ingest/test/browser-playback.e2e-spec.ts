import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { WORKSPACE_ROOT, ffmpegPublish, killAllChildren, launchChromium, type Publisher } from '@mediaplane/testing';
import { IngestHarness, type TestStream } from './ingest-harness';

jest.setTimeout(120_000);

const PAGE = `<!doctype html><html><body>
<video id="v" muted autoplay playsinline></video>
<script src="/mpegts.js"></script>
<script>
  window.play = (url) => {
    const video = document.getElementById('v');
    const player = mpegts.createPlayer({ type: 'flv', isLive: true, url }, { enableStashBuffer: false });
    window.playerErrors = [];
    player.on(mpegts.Events.ERROR, (type, detail) => window.playerErrors.push(type + ': ' + detail));
    player.attachMediaElement(video);
    player.load();
    video.play().catch((e) => window.playerErrors.push('play(): ' + e.message));
    window.player = player;
  };
</script></body></html>`;

/** Serves the test page and mpegts.js from another origin than ingest's, so CORS is exercised as on any website. */
async function pageServer(): Promise<{ server: Server; url: string }> {
  const mpegts = readFileSync(join(WORKSPACE_ROOT, 'node_modules', 'mpegts.js', 'dist', 'mpegts.js'));
  const server = createServer((req, res) => {
    if (req.url === '/mpegts.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(mpegts);
    else res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://localhost:${(server.address() as AddressInfo).port}/` };
}

describe('browser playback with mpegts.js (headless Chromium)', () => {
  let harness: IngestHarness;
  let stream: TestStream;
  let publisher: Publisher;
  let browser: Browser;
  let page: { server: Server; url: string };

  beforeAll(async () => {
    harness = await IngestHarness.start();
    stream = harness.addStream();
    publisher = ffmpegPublish({ url: harness.rtmpUrl(stream.key), width: 640, height: 360, fps: 25 });
    page = await pageServer();
    browser = await launchChromium();
    await harness.waitLive(stream.id);
  });

  afterAll(async () => {
    await browser?.close();
    page?.server.closeAllConnections();
    page?.server.close();
    await publisher?.stop();
    await harness?.stop();
    await killAllChildren();
  });

  it.each([
    ['HTTP-FLV', () => harness.flvUrl(stream.id)],
    ['WebSocket-FLV', () => harness.wsFlvUrl(stream.id)],
  ])('plays %s from another origin: the video has the stream size and its time advances', async (_name, url) => {
    const tab = await browser.newPage();
    try {
      await tab.goto(page.url);
      // Page code as strings: this project compiles without the DOM library.
      await tab.evaluate(`window.play(${JSON.stringify(url())})`);
      const handle = await tab.waitForFunction(
        `(() => { const v = document.getElementById('v'); return v.currentTime > 2 ? { width: v.videoWidth, height: v.videoHeight, time: v.currentTime } : false; })()`,
        undefined,
        { timeout: 30_000, polling: 250 },
      );
      const seen = (await handle.jsonValue()) as { width: number; height: number; time: number };
      expect(seen.width).toBe(640);
      expect(seen.height).toBe(360);
      expect(await tab.evaluate('window.playerErrors')).toEqual([]);
    } finally {
      await tab.close();
    }
  });
});
