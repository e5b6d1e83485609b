import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, waitFor } from '@mediaplane/testing';
import { findMediasoupWorker } from '../create-rtc-engine';
import type { RtcConsumer, RtcProducer } from '../rtc-engine';
import { MediasoupEngine } from './mediasoup-engine';

/**
 * The mediasoup engine against Chromium, the client that matters: our own
 * SDP↔ORTC translation must satisfy a real browser's offers (its payload
 * types, header extension ids, rids), and the browser must decode what the
 * SFU forwards. Chromium publishes its fake camera and microphone; a second
 * page plays. Chromium does not use loopback for ICE, so the engine listens
 * on the machine's own address.
 */
const worker = findMediasoupWorker();
const describeWithWorker = worker ? describe : describe.skip;
if (!worker) process.stdout.write('mediasoup browser spec not run: no mediasoup worker (MEDIASOUP_WORKER_BIN)\n');

function hostAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    const found = list?.find((i) => i.family === 'IPv4' && !i.internal);
    if (found) return found.address;
  }
  return '127.0.0.1';
}

// Page scripts are strings: the workspace compiles without the DOM library.
const PUBLISH = (simulcast: boolean) => `(async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 1280, height: 720, frameRate: 30 } });
  const pc = new RTCPeerConnection();
  window.pc = pc;
  pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendonly' });
  pc.addTransceiver(stream.getVideoTracks()[0], {
    direction: 'sendonly',
    sendEncodings: ${simulcast ? "[{ rid: 'l', scaleResolutionDownBy: 4 }, { rid: 'm', scaleResolutionDownBy: 2 }, { rid: 'h' }]" : '[{}]'},
  });
  await pc.setLocalDescription(await pc.createOffer());
  return pc.localDescription.sdp;
})()`;

const PLAY = `(async () => {
  const pc = new RTCPeerConnection();
  window.pc = pc;
  pc.addTransceiver('audio', { direction: 'recvonly' });
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.ontrack = (event) => {
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    video.srcObject = event.streams[0] ?? new MediaStream([event.track]);
    document.body.appendChild(video);
  };
  await pc.setLocalDescription(await pc.createOffer());
  return pc.localDescription.sdp;
})()`;

const INBOUND = `(async () => {
  const out = { framesDecoded: 0, audioBytes: 0, frameWidth: 0, state: window.pc.connectionState };
  (await window.pc.getStats()).forEach((s) => {
    if (s.type !== 'inbound-rtp') return;
    if (s.kind === 'video') { out.framesDecoded += s.framesDecoded ?? 0; out.frameWidth = s.frameWidth ?? 0; }
    if (s.kind === 'audio') out.audioBytes += s.bytesReceived ?? 0;
  });
  return out;
})()`;

interface Inbound {
  framesDecoded: number;
  audioBytes: number;
  frameWidth: number;
  state: string;
}

describeWithWorker('MediasoupEngine with Chromium peers', () => {
  let browser: Browser;
  let engine: MediasoupEngine;
  const pages: Page[] = [];
  // getUserMedia needs a secure context: an empty page from localhost is one.
  let origin = '';
  const server: Server = createServer((_req, res) => res.end('<!doctype html><title>peer</title>'));

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://localhost:${(server.address() as AddressInfo).port}/`;
    browser = await launchChromium();
    const base = 44000 + Math.floor(Math.random() * 20) * 100;
    engine = await MediasoupEngine.create({ listenIp: hostAddress(), rtcMinPort: base, rtcMaxPort: base + 99, workers: 1 });
  });

  afterEach(async () => {
    await Promise.all(pages.splice(0).map((p) => p.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await engine?.close();
    server.close();
  });

  async function newPage(): Promise<Page> {
    const page = await browser.newPage();
    pages.push(page);
    await page.goto(origin);
    return page;
  }

  async function accept(page: Page, answerSdp: string): Promise<void> {
    await page.evaluate(`window.pc.setRemoteDescription({ type: 'answer', sdp: ${JSON.stringify(answerSdp)} })`);
  }

  async function publishAndPlay(simulcast: boolean): Promise<{ producers: RtcProducer[]; consumers: RtcConsumer[]; player: Page }> {
    const router = await engine.createRouter(simulcast ? 'browser-simulcast' : 'browser');
    const publisher = await newPage();
    const published = await router.receive(String(await publisher.evaluate(PUBLISH(simulcast))), { label: 'chromium-publisher' });
    await accept(publisher, published.answerSdp);
    const player = await newPage();
    const played = await router.send(String(await player.evaluate(PLAY)), published.producers, { label: 'chromium-player' });
    await accept(player, played.answerSdp);
    return { producers: published.producers, consumers: played.consumers, player };
  }

  it('forwards a Chromium publisher to a Chromium player, which decodes video and receives audio', async () => {
    const { producers, consumers, player } = await publishAndPlay(false);
    expect(producers.map((p) => p.kind)).toEqual(['audio', 'video']);
    expect(consumers.map((c) => c.kind)).toEqual(['audio', 'video']);
    const inbound = await waitFor(
      async () => {
        const stats = (await player.evaluate(INBOUND)) as Inbound;
        return stats.framesDecoded > 30 && stats.audioBytes > 2000 ? stats : undefined;
      },
      { timeoutMs: 60_000, what: 'frames decoded and audio bytes in the Chromium player' },
    );
    expect(inbound.state).toBe('connected');
  });

  it("opens a browser's in-band data channel (DCEP) and carries messages both ways", async () => {
    const router = await engine.createRouter('browser-data');
    const page = await newPage();
    const offerSdp = String(
      await page.evaluate(`(async () => {
        const pc = new RTCPeerConnection();
        window.pc = pc;
        window.received = [];
        const channel = pc.createDataChannel('chat');
        window.channel = channel;
        channel.onmessage = (event) => window.received.push(event.data);
        await pc.setLocalDescription(await pc.createOffer());
        return pc.localDescription.sdp;
      })()`),
    );
    const { peer, answerSdp } = await router.receive(offerSdp, { label: 'chromium-data', enableDataChannel: true });
    await accept(page, answerSdp);
    const channel = peer.dataChannel!;
    const atEngine: (string | Buffer)[] = [];
    channel.on('message', (data) => atEngine.push(data));
    await waitFor(async () => (await page.evaluate('window.channel.readyState')) === 'open', {
      timeoutMs: 30_000,
      what: 'the browser channel open (DCEP ACK from the engine)',
    });
    expect(channel.isOpen).toBe(true);
    expect(channel.label).toBe('chat');
    await page.evaluate(`window.channel.send('bid 42')`);
    await waitFor(() => atEngine.length > 0, { timeoutMs: 20_000, what: 'the message at the engine' });
    expect(atEngine).toEqual(['bid 42']);
    channel.send('accepted');
    await waitFor(async () => ((await page.evaluate('window.received')) as string[]).includes('accepted'), {
      timeoutMs: 20_000,
      what: 'the reply in the browser',
    });
    router.close();
  });

  it('takes simulcast as one producer with three layers and serves the layer a viewer is capped to', async () => {
    const { producers, consumers, player } = await publishAndPlay(true);
    const video = producers.find((p) => p.kind === 'video')!;
    expect(video.layers).toBe(3);
    await waitFor(async () => ((await player.evaluate(INBOUND)) as Inbound).framesDecoded > 30, {
      timeoutMs: 60_000,
      what: 'simulcast frames decoded in the Chromium player',
    });
    const consumer = consumers.find((c) => c.kind === 'video')!;
    consumer.setPreferredLayer(0);
    await waitFor(() => consumer.currentLayer === 0, { timeoutMs: 30_000, what: `the low layer (now ${consumer.currentLayer})` });
    await waitFor(async () => ((await player.evaluate(INBOUND)) as Inbound).frameWidth === 320, {
      timeoutMs: 30_000,
      what: 'the player decoding the 320-pixel layer',
    });
  });
});
