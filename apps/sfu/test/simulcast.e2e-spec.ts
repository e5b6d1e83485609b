import type { Browser } from 'playwright-core';
import { BrowserRtcClient, killAllChildren, launchChromium, sleep, waitFor, type UdpThrottleRelay } from '@mediaplane/testing';
import { SfuHarness } from './sfu-harness';
import { availableEngines } from './sfu-engines';

jest.setTimeout(480_000);

const { engines } = availableEngines();

/**
 * Chromium publishes 1280x720 with three simulcast layers (¼, ½, full). A
 * viewer on an open loopback path gets the widest layer; a viewer whose
 * downlink goes through a relay shaped to at most 300 kb/s settles on a narrower
 * layer and keeps decoding.
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

  it('gives an open viewer the widest layer and a viewer shaped below it (at most 300 kb/s) a narrower one, playing', async () => {
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
    await waitFor(async () => new Set((await publisher.stats(published.id as number))?.layers.map((l) => l.frameWidth).filter((w) => w > 0)).size >= 2, {
      timeoutMs: 30_000,
      what: 'at least two layers of different sizes sent',
    });

    const open = await BrowserRtcClient.open(await browser.newPage(), `${sfuUrl}/healthz`);
    const wide = await open.whep(`${sfuUrl}/whep/${stream.id}`);
    expect(wide.status).toBe(201);

    // The open viewer gets the widest layer Chromium sends. Only layers whose bytes grew since the last poll count:
    // a layer Chromium stopped sending (its bandwidth estimate still ramping) keeps reporting its old frame width
    // (a CI run waited 60 s for a 1280 layer that was not being sent).
    let lastBytes = new Map<string, number>();
    const wideStats = await waitFor(
      async () => {
        const [w, layers] = await Promise.all([open.stats(wide.id as number), publisher.stats(published.id as number)]);
        const sending = (layers?.layers ?? []).filter((l) => l.bytesSent > (lastBytes.get(l.rid) ?? Number.POSITIVE_INFINITY));
        lastBytes = new Map((layers?.layers ?? []).map((l) => [l.rid, l.bytesSent]));
        const widest = Math.max(0, ...sending.map((l) => l.frameWidth));
        return w && w.framesDecoded > 30 && widest > 0 && w.frameWidth === widest ? w : undefined;
      },
      // 150 s: on a loaded machine (a CI run beside the 7-minute bench e2e) the starved viewer reports loss, the
      // loss controller steps it down, and each failed step up doubles its quiet spell (10, 20, 40 s…) before the next.
      { timeoutMs: 150_000, what: 'the open viewer on the widest layer' },
    );
    // At the full frame rate of its layer: each layer also has temporal layers, and an SFU told of none forwards only
    // the first, a quarter of the frames (mediasoup did, for VP8, until the encodings declared L1T3).
    const rates = await measureFrameRates(publisher, published.id as number, open, wide.id as number);
    expect(rates.decoded).toBeGreaterThan(rates.sent * 0.6);
    // The shaped downlink must be too narrow for the widest layer but wide enough for the lowest and the
    // audio. Chromium sizes its layers to the machine's load (on a busy one the widest sent ~230 kb/s),
    // so once the layers have ramped up the cap is 3/4 of the widest, at least the lowest + 100 kb/s,
    // at most 300 kb/s. The 100 kb/s are the audio (~60 kb/s on the wire, headers included) and every
    // packet's headers: with less (50 kb/s, enough while only a quarter of the lowest layer's frames
    // were forwarded), the lowest layer at full frame rate overflowed the relay's queue, and the
    // retransmissions of what it dropped kept it overflowing (a CI run: 64 % dropped, 6 frames in 60 s).
    // Chromium can lower its layers again afterwards (CPU adaptation; a CI run's open
    // viewer fell under the cap and the shaped one, dropping nothing, stayed on the same layer): when the
    // shaped viewer does not settle lower while the open viewer's own rate is under the cap, the cap said
    // nothing, and the shaped viewer is set up again with a cap from a new measurement (three attempts).
    let shaped: BrowserRtcClient | undefined;
    let narrow: Awaited<ReturnType<BrowserRtcClient['whepThrottled']>> | undefined;
    let narrowStats: Awaited<ReturnType<BrowserRtcClient['stats']>> | undefined;
    let layerRates = { lowest: 0, widest: 0 };
    let cap = 0;
    for (let attempt = 1; !narrowStats; attempt++) {
      layerRates = await measureLayerRates(publisher, published.id as number);
      cap = Math.min(300_000, Math.max(layerRates.lowest + 100_000, Math.round(layerRates.widest * 0.75)));
      shaped = await BrowserRtcClient.open(await browser.newPage(), `${sfuUrl}/healthz`);
      narrow = await shaped.whepThrottled(`${sfuUrl}/whep/${stream.id}`, cap);
      relay = narrow.relay;
      expect(narrow.status).toBe(201);
      const outcome = await waitForNarrowerLayer(shaped, narrow.id as number, open, wide.id as number, wideStats.frameWidth, cap, () => relay);
      if (outcome.kind === 'narrower') {
        narrowStats = outcome.stats;
        break;
      }
      if (outcome.kind === 'timeout' || attempt >= 3)
        throw new Error(`the shaped viewer did not settle on a narrower layer (attempt ${attempt}); last seen ${outcome.seen}`);
      process.stdout.write(`[simulcast ${engine}] attempt ${attempt}: ${outcome.seen}; measuring the layers again\n`);
      await shaped.remove(narrow.id as number);
      relay?.close();
    }
    // It keeps playing, not frozen.
    const decodedBefore = narrowStats.framesDecoded;
    await waitFor(async () => ((await shaped?.stats(narrow?.id as number))?.framesDecoded ?? 0) > decodedBefore + 30, {
      timeoutMs: 30_000,
      what: 'the throttled viewer to keep decoding',
    });
    process.stdout.write(
      `[simulcast ${engine}] layers ${Math.round(layerRates.lowest / 1000)}–${Math.round(layerRates.widest / 1000)} kb/s, cap ${Math.round(cap / 1000)} kb/s; open viewer ${wideStats.frameWidth}x${wideStats.frameHeight}; shaped viewer ${narrowStats.frameWidth}x${narrowStats.frameHeight}, relay dropped ${relay?.dropped}\n`,
    );
  });
});

/**
 * Frames per second over three seconds: those a viewer decodes, and those the publisher sends on the layer
 * the viewer is on (the one of its width among those sending).
 */
async function measureFrameRates(
  publisher: BrowserRtcClient,
  publisherId: number,
  viewer: BrowserRtcClient,
  viewerId: number,
): Promise<{ sent: number; decoded: number }> {
  const sample = async () => {
    const [sent, seen] = await Promise.all([publisher.stats(publisherId), viewer.stats(viewerId)]);
    return { layers: sent?.layers ?? [], decoded: seen?.framesDecoded ?? 0, width: seen?.frameWidth ?? 0, at: Date.now() };
  };
  const before = await sample();
  await sleep(3000);
  const after = await sample();
  const seconds = (after.at - before.at) / 1000;
  const sentIn = (rid: string) => (after.layers.find((l) => l.rid === rid)?.framesSent ?? 0) - (before.layers.find((l) => l.rid === rid)?.framesSent ?? 0);
  const layer = after.layers.find((l) => l.frameWidth === after.width && sentIn(l.rid) > 0);
  if (!layer) throw new Error(`no layer ${after.width} wide is being sent`);
  const rates = { sent: sentIn(layer.rid) / seconds, decoded: (after.decoded - before.decoded) / seconds };
  process.stdout.write(
    `[simulcast] layer ${layer.rid} (${layer.frameWidth} wide) sent ${rates.sent.toFixed(1)} fps, the open viewer decoded ${rates.decoded.toFixed(1)} fps\n`,
  );
  return rates;
}

/** What the publisher's lowest (narrowest) and widest layers send, in bits per second, over two seconds. */
async function measureLayerRates(publisher: BrowserRtcClient, id: number): Promise<{ lowest: number; widest: number }> {
  const before = (await publisher.stats(id))?.layers ?? [];
  await sleep(2000);
  const after = (await publisher.stats(id))?.layers ?? [];
  const rates = after
    .map((layer) => ({ width: layer.frameWidth, bps: ((layer.bytesSent - (before.find((b) => b.rid === layer.rid)?.bytesSent ?? 0)) * 8) / 2 }))
    .filter((l) => l.width > 0)
    .sort((a, b) => a.width - b.width);
  // Right after a layer switch the narrow one may briefly send more: compare rates, not only widths.
  const bps = rates.map((r) => r.bps);
  return { lowest: bps.length > 0 ? Math.min(...bps) : 0, widest: Math.max(0, ...bps) };
}

type NarrowOutcome =
  { kind: 'narrower'; stats: NonNullable<Awaited<ReturnType<BrowserRtcClient['stats']>>> } | { kind: 'cap-not-binding' | 'timeout'; seen: string };

/**
 * Waits (up to 60 s) for the shaped viewer to decode a lower layer than the open one: a narrower picture,
 * or — when a CPU-starved Chromium sends its top two layers at the same width — one that carries well
 * under the open viewer's bitrate (sampled over 2 s). When it does not, says whether the open viewer's own
 * video rate was under 80 % of the cap in the last three samples ('cap-not-binding': the cap said nothing).
 */
async function waitForNarrowerLayer(
  shaped: BrowserRtcClient,
  shapedId: number,
  open: BrowserRtcClient,
  openId: number,
  openWidth: number,
  cap: number,
  relay: () => UdpThrottleRelay | undefined,
): Promise<NarrowOutcome> {
  let previous: { at: number; shaped: number; open: number } | undefined;
  let underCap = 0;
  let seen = '';
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const [n, o] = await Promise.all([shaped.stats(shapedId), open.stats(openId)]);
    const now = Date.now();
    const sample = { at: now, shaped: n?.videoBytes ?? 0, open: o?.videoBytes ?? 0 };
    const base = previous && now - previous.at >= 2000 ? previous : undefined;
    if (!previous || base) previous = sample;
    const lowerRate = base ? sample.shaped - base.shaped < 0.8 * (sample.open - base.open) : false;
    const openBps = base ? ((sample.open - base.open) * 8 * 1000) / (now - base.at) : undefined;
    // Video payload only, against a cap on every byte of the path: a margin.
    if (openBps !== undefined) underCap = openBps < 0.8 * cap ? underCap + 1 : 0;
    seen = JSON.stringify({
      ...n,
      relayDropped: relay()?.dropped,
      relayForwarded: relay()?.forwardedDown,
      lowerRate,
      openKbps: openBps && Math.round(openBps / 1000),
      capKbps: Math.round(cap / 1000),
    });
    const lower = n && n.frameWidth > 0 && (n.frameWidth < openWidth || lowerRate);
    if (n && n.framesDecoded > 30 && lower) return { kind: 'narrower', stats: n };
    await sleep(200);
  }
  if (underCap >= 3) return { kind: 'cap-not-binding', seen: `the open viewer's video rate was under 80 % of the cap at the end: ${seen}` };
  return { kind: 'timeout', seen };
}
