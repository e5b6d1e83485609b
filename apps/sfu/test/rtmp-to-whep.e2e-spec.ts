import type { Browser } from 'playwright-core';
import { BrowserRtcClient, ffmpegPublish, freePort, killAllChildren, launchChromium, startApp, waitFor, type AppProcess, type Publisher } from '@mediaplane/testing';
import { SfuHarness } from './sfu-harness';
import { availableEngines } from './sfu-engines';

jest.setTimeout(120_000);

interface StreamState {
  live: boolean;
  state: null | { protocol: string; videoCodec: string | null };
}

const ENGINE = 'mediasoup';
const covered = availableEngines().engines.includes(ENGINE);
if (!covered) process.stdout.write('[sfu e2e] RTMP → WHEP not covered: the bridge needs the mediasoup engine (plain RTP), and no mediasoup worker exists here\n');

/** x264 options appended after the test source's own (ultrafast, zerolatency): later ones win. */
const SOURCES = [
  { name: 'H.264 Constrained Baseline without B-frames', mode: 'passthrough', encoder: ['-profile:v', 'baseline'] },
  { name: 'H.264 High with B-frames', mode: 'reencode', encoder: ['-preset', 'veryfast', '-tune', 'film', '-bf', '2', '-profile:v', 'high'] },
] as const;

/**
 * FFmpeg publishes over RTMP to a real ingest; Chromium plays the stream over
 * WHEP from a real SFU, which bridges it (FLV from ingest → FFmpeg → plain
 * RTP → mediasoup) with nothing configured for the stream.
 */
(covered ? describe : describe.skip)('RTMP publish, WHEP play through the WebRTC bridge (mediasoup, Chromium, real platform)', () => {
  let harness: SfuHarness;
  let ingest: AppProcess;
  let browser: Browser;
  let viewer: BrowserRtcClient;
  let rtmpPort: number;
  let sfuUrl = '';
  const publishers: Publisher[] = [];
  const metric = (name: string, labels: Record<string, string> = {}) => harness.metric(ENGINE, name, labels);

  beforeAll(async () => {
    rtmpPort = await freePort();
    [harness, browser] = await Promise.all([SfuHarness.start([ENGINE], { SFU_BRIDGE_IDLE_STOP_MS: '1500' }), launchChromium({ webrtc: true })]);
    ingest = await startApp('ingest', { httpPort: await freePort(), env: { ...harness.platform.env, INGEST_RTMP_PORT: String(rtmpPort) } });
    sfuUrl = harness.sfu(ENGINE).httpUrl;
    viewer = await BrowserRtcClient.open(await browser.newPage(), `${sfuUrl}/healthz`);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(publishers.map((p) => p.stop()));
    await browser?.close();
    await ingest?.stop();
    await harness?.stop();
    await killAllChildren();
  });

  it('answers 404 for a stream that is not live anywhere', async () => {
    const stream = await harness.createStream('bridge nothing live');
    const refused = await viewer.whep(`${sfuUrl}/whep/${stream.id}`);
    expect(refused.status).toBe(404);
    expect(refused.body).toMatch(/not live/);
    expect(await metric('mediaplane_sfu_bridges')).toBe(0);
  });

  it.each(SOURCES)('$name: Chromium decodes it through a $mode bridge, which stops once the viewer left', async ({ mode, encoder }) => {
    const stream = await harness.createStream(`bridge ${mode}`);
    const publisher = ffmpegPublish({ url: `rtmp://127.0.0.1:${rtmpPort}/live/${stream.streamKey}`, fps: 25, gopFrames: 50, extraOutputArgs: [...encoder] });
    publishers.push(publisher);
    await waitFor(
      async () => {
        const s = await harness.api<StreamState>('GET', `/streams/${stream.id}`);
        return s.live && s.state?.protocol === 'rtmp' ? s : undefined;
      },
      { timeoutMs: 20_000, what: 'the RTMP stream to be live' },
    );
    const reencodesBefore = await metric('mediaplane_sfu_bridge_reencodes_total');

    const played = await viewer.whep(`${sfuUrl}/whep/${stream.id}`);
    expect(played.status).toBe(201);
    expect(played.answer).toMatch(/a=rtpmap:\d+ H264\/90000/);
    expect(await metric('mediaplane_sfu_bridges', { mode })).toBe(1);
    const decoded = await waitFor(
      async () => {
        const s = await viewer.stats(played.id as number);
        return s && s.framesDecoded >= 25 ? s : undefined;
      },
      { timeoutMs: 30_000, what: 'Chromium to decode 25 frames' },
    );
    expect(decoded.frameWidth).toBe(640);
    expect(decoded.audioBytes).toBeGreaterThan(0);
    expect(await metric('mediaplane_sfu_bridge_keyframe_wait_seconds_count', { mode })).toBeGreaterThanOrEqual(1);
    const reencodes = (await metric('mediaplane_sfu_bridge_reencodes_total')) - reencodesBefore;
    if (mode === 'reencode') expect(reencodes).toBeGreaterThanOrEqual(1);
    else expect(reencodes).toBe(0);

    expect(await viewer.remove(played.id as number)).toBe(200);
    await waitFor(async () => ((await metric('mediaplane_sfu_bridges', { mode })) === 0 ? true : undefined), {
      timeoutMs: 15_000,
      what: 'the bridge to stop after its last viewer left',
    });
    await publisher.stop();
  });
});
