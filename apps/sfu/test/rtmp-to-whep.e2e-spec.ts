import type { Browser } from 'playwright-core';
import { formatSrtStreamId } from '@mediaplane/sessions';
import {
  BrowserRtcClient,
  ffmpegPublish,
  freePort,
  freeUdpPort,
  killAllChildren,
  launchChromium,
  startApp,
  waitFor,
  type AppProcess,
  type Publisher,
  type RtcExchange,
} from '@mediaplane/testing';
import { bridgeFfmpegsOf } from './bridge-processes';
import { SfuHarness, type CreatedStream } from './sfu-harness';
import { availableEngines } from './sfu-engines';

jest.setTimeout(120_000);

interface ClusterNode {
  id: string;
  app: string;
  facts: Record<string, string>;
  load?: { units?: Record<string, number> };
}

interface StreamState {
  live: boolean;
  state: null | {
    protocol: string;
    viewers: { whep?: number };
    webrtcBridges: Array<{ node: string; mode: string; viewers: number; startedAt: string }>;
  };
}

const covered = availableEngines().engines.includes('mediasoup');
if (!covered)
  process.stdout.write('[sfu e2e] RTMP → WHEP not covered: the bridge needs the mediasoup engine (plain RTP), and no mediasoup worker exists here\n');

/** x264 options appended after the test source's own (ultrafast, zerolatency): later ones win. */
const SOURCES = [
  { name: 'H.264 Constrained Baseline without B-frames', mode: 'passthrough', encoder: ['-profile:v', 'baseline'] },
  { name: 'H.264 High with B-frames', mode: 'reencode', encoder: ['-preset', 'veryfast', '-tune', 'film', '-bf', '2', '-profile:v', 'high'] },
] as const;

/**
 * FFmpeg publishes over RTMP to a real ingest; Chromium plays the stream over
 * WHEP from a real SFU, which bridges it (FLV from ingest → FFmpeg → plain
 * RTP → mediasoup) with nothing configured for the stream. A werift SFU on
 * the same platform says plainly that it cannot.
 */
(covered ? describe : describe.skip)('RTMP publish, WHEP play through the WebRTC bridge (mediasoup, Chromium, real platform)', () => {
  let harness: SfuHarness;
  let ingest: AppProcess;
  let browser: Browser;
  let viewers: BrowserRtcClient[];
  let rtmpPort: number;
  let srtPort: number;
  let sfuUrl = '';
  const publishers: Publisher[] = [];
  const metric = (name: string, labels: Record<string, string> = {}) => harness.metric('mediasoup', name, labels);

  const publishLive = async (stream: CreatedStream, encoder: readonly string[] = ['-profile:v', 'baseline'], gopFrames = 50): Promise<Publisher> => {
    const publisher = ffmpegPublish({ url: `rtmp://127.0.0.1:${rtmpPort}/live/${stream.streamKey}`, fps: 25, gopFrames, extraOutputArgs: [...encoder] });
    publishers.push(publisher);
    await waitFor(
      async () => {
        const s = await harness.api<StreamState>('GET', `/streams/${stream.id}`);
        return s.live && s.state?.protocol === 'rtmp' ? s : undefined;
      },
      { timeoutMs: 20_000, what: 'the RTMP stream to be live' },
    );
    return publisher;
  };
  const decodes = (client: BrowserRtcClient, played: RtcExchange, frames: number) =>
    waitFor(
      async () => {
        const s = await client.stats(played.id as number);
        return s && s.framesDecoded >= frames ? s : undefined;
      },
      { timeoutMs: 30_000, what: `Chromium to decode ${frames} frames` },
    );
  const bridgeStops = (mode: string) =>
    waitFor(async () => ((await metric('mediaplane_sfu_bridges', { mode })) === 0 ? true : undefined), {
      timeoutMs: 15_000,
      what: 'the bridge to stop after its last viewer left',
    });

  beforeAll(async () => {
    [rtmpPort, srtPort] = await Promise.all([freePort(), freeUdpPort()]);
    [harness, browser] = await Promise.all([SfuHarness.start(['mediasoup', 'werift'], { SFU_BRIDGE_IDLE_STOP_MS: '1500' }), launchChromium({ webrtc: true })]);
    ingest = await startApp('ingest', {
      httpPort: await freePort(),
      env: { ...harness.platform.env, INGEST_RTMP_PORT: String(rtmpPort), INGEST_SRT_PORT: String(srtPort) },
    });
    sfuUrl = harness.sfu('mediasoup').httpUrl;
    viewers = await Promise.all([0, 1].map(async () => BrowserRtcClient.open(await browser.newPage(), `${sfuUrl}/healthz`)));
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
    const refused = await viewers[0]!.whep(`${sfuUrl}/whep/${stream.id}`);
    expect(refused.status).toBe(404);
    expect(refused.body).toMatch(/not live/);
    expect(await metric('mediaplane_sfu_bridges')).toBe(0);
  });

  it.each(SOURCES)('$name: two Chromium viewers decode it through one $mode bridge, which stops once both left', async ({ mode, encoder }) => {
    const [first, second] = viewers as [BrowserRtcClient, BrowserRtcClient];
    const stream = await harness.createStream(`bridge ${mode}`);
    const publisher = await publishLive(stream, encoder);
    const reencodesBefore = await metric('mediaplane_sfu_bridge_reencodes_total');

    const played = await first.whep(`${sfuUrl}/whep/${stream.id}`);
    expect(played.status).toBe(201);
    expect(played.answer).toMatch(/a=rtpmap:\d+ H264\/90000/);
    expect(await metric('mediaplane_sfu_bridges', { mode })).toBe(1);
    const decoded = await decodes(first, played, 25);
    expect(decoded.frameWidth).toBe(640);
    expect(decoded.audioBytes).toBeGreaterThan(0);
    // By default the browser gets the audio and video as one media stream, which it plays in lip sync.
    expect(decoded.mediaStreams?.audio).toHaveLength(1);
    expect(decoded.mediaStreams?.audio).toEqual(decoded.mediaStreams?.video);

    // A second viewer joins the running bridge: still one bridge, one FFmpeg. It asks for the picture
    // without lip sync, so its tracks come as two streams, and both play.
    expect((await second.whep(`${sfuUrl}/whep/${stream.id}?lipsync=maybe`)).status).toBe(400);
    const joined = await second.whep(`${sfuUrl}/whep/${stream.id}?lipsync=false`);
    expect(joined.status).toBe(201);
    const unsynced = await decodes(second, joined, 25);
    expect(unsynced.audioBytes).toBeGreaterThan(0);
    expect(unsynced.mediaStreams?.audio).toHaveLength(1);
    expect(unsynced.mediaStreams?.video).toHaveLength(1);
    expect(unsynced.mediaStreams?.audio).not.toEqual(unsynced.mediaStreams?.video);
    expect(await metric('mediaplane_sfu_bridges', { mode })).toBe(1);
    expect(await metric('mediaplane_sfu_bridge_keyframe_wait_seconds_count', { mode })).toBeGreaterThanOrEqual(2);
    // The cluster view (the node's heartbeat) shows the bridge and its two viewers too.
    const node = await waitFor(
      async () =>
        (await harness.api<{ nodes: ClusterNode[] }>('GET', '/nodes')).nodes.find(
          (n) => n.app === 'sfu' && n.facts['engine'] === 'mediasoup' && n.load?.units?.['bridgeViewers'] === 2,
        ),
      { timeoutMs: 15_000, what: "the SFU's heartbeat to count the bridge's two viewers" },
    );
    expect(node.load?.units).toMatchObject({ bridges: 1, reencodingBridges: mode === 'reencode' ? 1 : 0 });
    // So does the stream's own state: the bridge, its mode, and its two viewers as WHEP viewers.
    const bridged = await waitFor(
      async () => {
        const s = await harness.api<StreamState>('GET', `/streams/${stream.id}`);
        return s.state?.viewers.whep === 2 ? s : undefined;
      },
      { timeoutMs: 15_000, what: "the stream's state to count the bridge's two WHEP viewers" },
    );
    expect(bridged.state?.webrtcBridges).toEqual([{ node: node.id, mode, viewers: 2, startedAt: expect.any(String) }]);
    const reencodes = (await metric('mediaplane_sfu_bridge_reencodes_total')) - reencodesBefore;
    if (mode === 'reencode') expect(reencodes).toBe(1);
    else expect(reencodes).toBe(0);

    // The first leaving does not stop what the second watches, however long it stays.
    expect(await first.remove(played.id as number)).toBe(200);
    const framesBefore = (await second.stats(joined.id as number))?.framesDecoded ?? 0;
    await decodes(second, joined, framesBefore + 60);
    expect(await metric('mediaplane_sfu_bridges', { mode })).toBe(1);

    expect(await second.remove(joined.id as number)).toBe(200);
    await bridgeStops(mode);
    // The stopped bridge leaves the stream's state (the SFU withdraws it as it stops), and so do its viewers.
    const unbridged = await waitFor(
      async () => {
        const s = await harness.api<StreamState>('GET', `/streams/${stream.id}`);
        return s.state?.webrtcBridges.length === 0 ? s : undefined;
      },
      { timeoutMs: 15_000, what: "the stopped bridge to leave the stream's state" },
    );
    expect(unbridged.state?.viewers.whep).toBeUndefined();
    await publisher.stop();
  });

  it('replays the cached GOP to a viewer joining a running passthrough bridge: it plays long before the source sends another keyframe', async () => {
    const [first, second] = viewers as [BrowserRtcClient, BrowserRtcClient];
    const stream = await harness.createStream('bridge catch-up');
    // One keyframe every 12 s: without the replay, a viewer joining 2 s after one waits ~10 s for the next.
    const gopSeconds = 12;
    const gopFrames = gopSeconds * 25;
    const publisher = await publishLive(stream, ['-profile:v', 'baseline', '-sc_threshold', '0', '-keyint_min', String(gopFrames)], gopFrames);
    const replaysBefore = await metric('mediaplane_sfu_bridge_catch_up_replays_total');

    const held = await first.whep(`${sfuUrl}/whep/${stream.id}`);
    expect(held.status).toBe(201);
    await decodes(first, held, 25);
    // The first viewer now plays a GOP at least a second old; the source's next keyframe is ≥ 8 s away.
    const joinedAt = Date.now();
    const joined = await second.whep(`${sfuUrl}/whep/${stream.id}`);
    expect(joined.status).toBe(201);
    await waitFor(
      async () => {
        const s = await second.stats(joined.id as number);
        return s && s.framesDecoded >= 10 ? s : undefined;
      },
      { timeoutMs: 5_000, what: 'the joining viewer to decode 10 frames within 5 s (the source keyframe is ≥ 8 s away)' },
    );
    process.stdout.write(`[bridge catch-up] the joining viewer decoded 10 frames ${Date.now() - joinedAt} ms after its POST\n`);
    expect((await metric('mediaplane_sfu_bridge_catch_up_replays_total')) - replaysBefore).toBeGreaterThanOrEqual(1);

    // It moves to the main layer at the source's next keyframe and goes on playing, as does the first viewer.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, joinedAt + gopSeconds * 1000 - Date.now())));
    const [firstBefore, secondBefore] = await Promise.all([first.stats(held.id as number), second.stats(joined.id as number)]);
    await Promise.all([decodes(first, held, (firstBefore?.framesDecoded ?? 0) + 75), decodes(second, joined, (secondBefore?.framesDecoded ?? 0) + 75)]);
    expect(await first.remove(held.id as number)).toBe(200);
    expect(await second.remove(joined.id as number)).toBe(200);
    await bridgeStops('passthrough');
    await publisher.stop();
  });

  it('plays an SRT-published stream the same way: the bridge pulls what ingest holds, whatever the protocol', async () => {
    const viewer = viewers[1] as BrowserRtcClient;
    const stream = await harness.createStream('bridge srt');
    const streamid = formatSrtStreamId({ mode: 'publish', streamKey: stream.streamKey });
    // FFmpeg 5.1 takes the streamid as it stands in the URL (no URL-decoding).
    const publisher = ffmpegPublish({
      url: `srt://127.0.0.1:${srtPort}?mode=caller&latency=120000&streamid=${streamid}`,
      format: 'mpegts',
      fps: 25,
      gopFrames: 50,
      extraOutputArgs: ['-profile:v', 'baseline'],
    });
    publishers.push(publisher);
    await waitFor(async () => ((await harness.api<StreamState>('GET', `/streams/${stream.id}`)).state?.protocol === 'srt' ? true : undefined), {
      timeoutMs: 20_000,
      what: 'the SRT stream to be live',
    });
    const played = await viewer.whep(`${sfuUrl}/whep/${stream.id}`);
    expect({ status: played.status, body: played.status === 201 ? '' : played.body }).toEqual({ status: 201, body: '' });
    const decoded = await decodes(viewer, played, 25);
    expect(decoded.frameWidth).toBe(640);
    expect(decoded.audioBytes).toBeGreaterThan(0);
    expect(await viewer.remove(played.id as number)).toBe(200);
    await bridgeStops('passthrough');
    await publisher.stop();
  });

  it('asks for a playback token on a private RTMP stream before starting anything', async () => {
    const viewer = viewers[0] as BrowserRtcClient;
    const secret = await harness.createStream('bridge private', { private: true });
    await publishLive(secret);
    const refused = await viewer.whep(`${sfuUrl}/whep/${secret.id}`);
    expect(refused.status).toBe(401);
    expect(await metric('mediaplane_sfu_bridges')).toBe(0);
    const { token } = await harness.api<{ token: string }>('POST', `/streams/${secret.id}/playback-tokens`, { ttlSeconds: 60 });
    const played = await viewer.whep(`${sfuUrl}/whep/${secret.id}?token=${encodeURIComponent(token)}`);
    expect(played.status).toBe(201);
    await decodes(viewer, played, 10);
    expect(await viewer.remove(played.id as number)).toBe(200);
    await bridgeStops('passthrough');
  });

  it('ends the bridge and closes its viewers when the RTMP publisher stops', async () => {
    const viewer = viewers[1] as BrowserRtcClient;
    const stream = await harness.createStream('bridge source ends');
    const publisher = await publishLive(stream);
    const played = await viewer.whep(`${sfuUrl}/whep/${stream.id}`);
    expect(played.status).toBe(201);
    await decodes(viewer, played, 10);
    await publisher.stop();
    await bridgeStops('passthrough');
    expect(await metric('mediaplane_sfu_viewers', { kind: 'whep_bridge' })).toBe(0);
    // The SFU closed the viewer's session: its resource is gone.
    expect(await viewer.remove(played.id as number)).toBe(404);
  });

  it('ends the bridge when its FFmpeg dies: the viewer is disconnected, and playing again starts a fresh bridge', async () => {
    const viewer = viewers[0] as BrowserRtcClient;
    const stream = await harness.createStream('bridge ffmpeg dies');
    await publishLive(stream);
    const played = await viewer.whep(`${sfuUrl}/whep/${stream.id}`);
    await decodes(viewer, played, 10);
    const ffmpegs = bridgeFfmpegsOf(harness.sfu('mediasoup').process.pid as number);
    expect(ffmpegs).toHaveLength(1);
    process.kill(ffmpegs[0] as number, 'SIGKILL');
    await bridgeStops('passthrough');
    expect(await viewer.remove(played.id as number)).toBe(404);
    const again = await viewer.whep(`${sfuUrl}/whep/${stream.id}`);
    expect(again.status).toBe(201);
    await decodes(viewer, again, 10);
    expect(await viewer.remove(again.id as number)).toBe(200);
    await bridgeStops('passthrough');
  });

  it('a werift SFU answers 501 with the reason: the bridge needs mediasoup', async () => {
    const stream = await harness.createStream('bridge on werift');
    await publishLive(stream);
    const refused = await viewers[1]!.whep(`${harness.sfu('werift').httpUrl}/whep/${stream.id}`);
    expect(refused.status).toBe(501);
    expect(refused.body).toMatch(/mediasoup/);
  });
});
