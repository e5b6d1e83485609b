import type { Browser, Page } from 'playwright-core';
import { BrowserRtcClient, killAllChildren, launchChromium, waitFor, type RtcExchange } from '@mediaplane/testing';
import { SfuHarness, type CreatedStream } from './sfu-harness';
import { availableEngines } from './sfu-engines';

jest.setTimeout(180_000);

interface StreamState {
  live: boolean;
  state: null | { protocol: string; videoCodec: string | null; audioCodec: string | null; viewers: { whep?: number } };
}

const { engines, missing } = availableEngines();

/** What the test reads of the page's <video> (the test compiles without the DOM types). */
interface VideoElementView {
  videoWidth: number;
  hidden: boolean;
  paused: boolean;
  readyState: number;
  error: { message: string } | null;
  srcObject: { getTracks(): { kind: string; readyState: string; muted: boolean }[] } | null;
}

/**
 * Waits for the dashboard player to show a decoded frame; while it has none, what it says and
 * holds (status, element state, its tracks: a remote track is muted until its RTP arrives), so a
 * timeout says where playback stopped.
 */
async function waitForDashboardFrame(page: Page, what: string): Promise<void> {
  await waitFor(
    async () => {
      const status = await page.getByTestId('player-status').textContent();
      const video = await page.getByTestId('player').evaluate((element) => {
        const v = element as unknown as VideoElementView;
        const tracks = v.srcObject?.getTracks().map((t) => `${t.kind} ${t.readyState}${t.muted ? ' muted' : ''}`);
        return { width: v.videoWidth, hidden: v.hidden, paused: v.paused, readyState: v.readyState, error: v.error?.message, tracks };
      });
      if (video.width > 0) return true;
      throw new Error(`player status "${status}", video ${JSON.stringify(video)}`);
    },
    { timeoutMs: 30_000, what },
  );
}

describe('engines this WHIP/WHEP run covers', () => {
  it(`runs ${engines.join(' and ')}${missing.length ? `; not ${missing.map((m) => `${m.engine} (${m.why})`).join(', ')}` : ''}`, () => {
    // Printed so a CI log says which engines were proven; werift needs nothing and always runs.
    for (const m of missing) process.stdout.write(`[sfu e2e] ${m.engine} not covered: ${m.why}\n`);
    expect(engines).toContain('werift');
  });
});

/**
 * Chromium publishes its fake camera and microphone over WHIP and a second
 * page plays it over WHEP, through a real control plane (publish
 * authorization, stream state) and a real SFU per engine.
 */
describe.each(engines)('WHIP publish and WHEP play with the %s engine (Chromium, real platform)', (engine) => {
  let harness: SfuHarness;
  let browser: Browser;
  let publisher: BrowserRtcClient;
  let viewer: BrowserRtcClient;
  let stream: CreatedStream;
  let published: RtcExchange;
  let sfuUrl = '';

  const streamState = () => harness.api<StreamState>('GET', `/streams/${stream.id}`);

  beforeAll(async () => {
    [harness, browser] = await Promise.all([SfuHarness.start([engine]), launchChromium({ webrtc: true })]);
    sfuUrl = harness.sfu(engine).httpUrl;
    stream = await harness.createStream(`webrtc ${engine}`);
    // Pages on the SFU's own origin: http://127.0.0.1 is a secure context, so getUserMedia works.
    publisher = await BrowserRtcClient.open(await browser.newPage(), `${sfuUrl}/healthz`);
    viewer = await BrowserRtcClient.open(await browser.newPage(), `${sfuUrl}/healthz`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await harness?.stop();
    await killAllChildren();
  });

  it('names its engine and its memory allocator in the cluster view: jemalloc, which the test set-up installs (libjemalloc2)', async () => {
    const sfuNode = await waitFor(
      async () => (await harness.api<{ nodes: Array<{ app: string; facts: Record<string, string> }> }>('GET', '/nodes')).nodes.find((n) => n.app === 'sfu'),
      { what: 'the SFU in /api/v1/nodes' },
    );
    expect(sfuNode.facts['engine']).toBe(engine);
    expect(sfuNode.facts['malloc']).toBe('jemalloc');
  });

  it('refuses a WHIP publish with a wrong key with 401, before any media', async () => {
    const refused = await publisher.whip(`${sfuUrl}/whip/${stream.id}`, 'sk_thisIsNotTheKeyOfAnyStream00');
    expect(refused.status).toBe(401);
    expect(refused.body).toMatch(/unknown stream key/);
  });

  it('accepts the right key: 201 with the answer, a Location and an ETag, and the stream goes live as whip', async () => {
    published = await publisher.whip(`${sfuUrl}/whip/${stream.id}`, stream.streamKey);
    expect(published.status).toBe(201);
    expect(published.location).toMatch(new RegExp(`^/whip/${stream.id}/[0-9a-f-]{36}$`));
    expect(published.etag).toMatch(/^"[0-9a-f-]{36}"$/);
    expect(published.answer).toMatch(/^v=0\r\n/);
    await waitFor(async () => ((await publisher.stats(published.id as number))?.state === 'connected' ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the publisher to connect',
    });
    const live = await waitFor(
      async () => {
        const s = await streamState();
        return s.live && s.state?.videoCodec ? s : undefined;
      },
      { what: 'the stream to be live in the API' },
    );
    expect(live.state).toMatchObject({ protocol: 'whip', videoCodec: expect.stringMatching(/vp8|h264/), audioCodec: 'opus' });
  });

  it('refuses a second publisher with the same key while the first is live (409)', async () => {
    const second = await viewer.whip(`${sfuUrl}/whip/${stream.id}`, stream.streamKey);
    expect(second.status).toBe(409);
  });

  it('plays the stream over WHEP: frames decode and audio arrives, and the viewer is counted', async () => {
    const played = await viewer.whep(`${sfuUrl}/whep/${stream.id}`);
    expect(played.status).toBe(201);
    const firstFrames = await waitFor(
      async () => {
        const s = await viewer.stats(played.id as number);
        return s && s.framesDecoded > 10 && s.audioBytes > 1000 ? s : undefined;
      },
      { timeoutMs: 30_000, what: 'decoded video frames and audio bytes' },
    );
    expect(firstFrames.frameWidth).toBeGreaterThan(0);
    // Still flowing a moment later: media is forwarded continuously, not a one-off burst.
    await waitFor(async () => ((await viewer.stats(played.id as number))?.framesDecoded ?? 0) > firstFrames.framesDecoded + 15, {
      timeoutMs: 20_000,
      what: 'more frames to decode',
    });
    await waitFor(async () => ((await streamState()).state?.viewers.whep === 1 ? true : undefined), { what: 'viewers.whep = 1' });
    expect(await harness.metric(engine, 'mediaplane_sfu_viewers', { kind: 'whep' })).toBe(1);

    expect(await viewer.remove(played.id as number)).toBe(200);
    await waitFor(async () => ((await streamState()).state?.viewers.whep === 0 ? true : undefined), { what: 'viewers.whep back to 0' });
  });

  it("plays the stream in the dashboard's WebRTC player", async () => {
    const page = await browser.newPage();
    try {
      // The page starts on its default HTTP-FLV player, which loads mpegts.js on first use; held back until
      // WebRTC plays, the library arrives for a player already given up (on a busy CI machine it can be that
      // slow), and attaching it would clear the WebRTC stream from the shared <video>: status Playing, no picture.
      const flvLibrary = /\/assets\/mpegts-[^/?]*\.js/;
      let releaseFlvLibrary!: () => void;
      const flvLibraryHeld = new Promise<void>((resolve) => (releaseFlvLibrary = resolve));
      await page.route(flvLibrary, async (route) => {
        await flvLibraryHeld;
        await route.continue();
      });
      const flvLibraryRequested = page.waitForRequest(flvLibrary, { timeout: 30_000 });
      await page.goto(`${harness.controlPlane.httpUrl}/#/streams/${stream.id}`);
      await page.getByTestId('admin-token').fill(harness.platform.adminToken);
      await page.getByTestId('sign-in').click();
      await page.getByTestId('stream-title').getByText(`webrtc ${engine}`).waitFor({ timeout: 20_000 });
      await flvLibraryRequested;
      await page.getByTestId('player-kind-whep').check();
      await page.getByTestId('player-status').getByText('Playing over WebRTC (WHEP)').waitFor({ timeout: 30_000 });
      const flvLibraryLoaded = page.waitForResponse(flvLibrary, { timeout: 30_000 });
      releaseFlvLibrary();
      await flvLibraryLoaded;
      await waitForDashboardFrame(page, 'a decoded frame in the dashboard player');
      // Unticking lip sync restarts the player on a WHEP URL asking for it off, and it plays again.
      const unsyncedOffer = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).searchParams.get('lipsync') === 'false', { timeout: 30_000 });
      await page.getByTestId('player-lipsync').uncheck();
      await unsyncedOffer;
      await page.getByTestId('player-status').getByText('Playing over WebRTC (WHEP)').waitFor({ timeout: 30_000 });
      await waitForDashboardFrame(page, 'a decoded frame in the dashboard player without lip sync');
    } finally {
      await page.close();
    }
    // Closing the page sends no DELETE: the SFU notices the vanished viewer by its ICE/DTLS timeouts.
    await waitFor(async () => ((await streamState()).state?.viewers.whep === 0 ? true : undefined), {
      timeoutMs: 60_000,
      what: 'the dashboard viewer to leave',
    });
  });

  it('answers malformed requests with clear 4xx errors', async () => {
    const post = (path: string, body: string, contentType = 'application/sdp', headers: Record<string, string> = {}) =>
      fetch(`${sfuUrl}${path}`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });
    const notSdp = await post(`/whep/${stream.id}`, 'hello');
    expect(notSdp.status).toBe(400);
    expect(((await notSdp.json()) as { message: string }).message).toMatch(/not SDP/);
    expect((await post(`/whep/${stream.id}`, 'v=0\r\n', 'application/json')).status).toBe(400);
    expect((await post(`/whep/${stream.id}`, 'v=0\r\n', 'text/plain')).status).toBe(415);
    expect((await post(`/whep/${stream.id}`, `v=0\r\n${'a=x\r\n'.repeat(20_000)}`)).status).toBe(413);
    expect((await post('/whep/not*an*id', 'v=0\r\nm=video 9 UDP 0\r\n')).status).toBe(400);
    expect((await post('/whep/nobodyPublishesThis', 'v=0\r\nm=video 9 UDP 0\r\n')).status).toBe(404);
  });

  it('ends the stream when the publisher DELETEs its session', async () => {
    expect(await publisher.remove(published.id as number)).toBe(200);
    await waitFor(async () => ((await streamState()).live ? undefined : true), { what: 'the stream to end' });
    expect(await harness.metric(engine, 'mediaplane_sfu_engine_objects', { object: 'peers' })).toBe(0);
  });

  it('asks for a playback token on a private stream', async () => {
    const secret = await harness.createStream(`private ${engine}`, { private: true });
    const pub = await publisher.whip(`${sfuUrl}/whip/${secret.id}`, secret.streamKey);
    expect(pub.status).toBe(201);
    const without = await viewer.whep(`${sfuUrl}/whep/${secret.id}`);
    expect(without.status).toBe(401);
    const forged = await viewer.whep(`${sfuUrl}/whep/${secret.id}?token=v1.${secret.id}.9999999999.play.forged`);
    expect(forged.status).toBe(403);
    const { token } = await harness.api<{ token: string }>('POST', `/streams/${secret.id}/playback-tokens`, { ttlSeconds: 60 });
    const withToken = await viewer.whep(`${sfuUrl}/whep/${secret.id}?token=${encodeURIComponent(token)}`);
    expect(withToken.status).toBe(201);
    await waitFor(async () => (((await viewer.stats(withToken.id as number))?.framesDecoded ?? 0) > 5 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the private stream to play with a token',
    });
    await harness.api('POST', `/streams/${secret.id}/kick`);
    await waitFor(async () => ((await harness.api<StreamState>('GET', `/streams/${secret.id}`)).live ? undefined : true), { what: 'the kick to end it' });
  });
});
