import { createSocket } from 'node:dgram';
import { readdirSync, readlinkSync } from 'node:fs';
import { sleep, waitFor } from '@mediaplane/testing';
import * as sdpTransform from 'sdp-transform';
import { RtcNegotiationError, type RtcEngine, type RtcEngineOptions, type RtcPeerOptions, type RtcProducer, type RtcRouter } from './rtc-engine';
import { TestPlayer, TestPublisher, type PlayOptions, type PublishOptions } from './testing/werift-test-peer';

/**
 * The behaviour every RtcEngine must show, proven against real WebRTC peers
 * (werift clients on loopback). The integration spec runs it once per engine
 * available on the machine. Timeouts are generous and no case asserts
 * wall-clock times: the CI machine is small and shared.
 */

export type RtcEngineFactory = (options: RtcEngineOptions) => Promise<RtcEngine>;

const usedPortBases = new Set<number>();

/** A 200-port range in 41000–48999 not used by another engine run of this process. */
function portRange(): { rtcMinPort: number; rtcMaxPort: number } {
  for (;;) {
    const base = 41000 + Math.floor(Math.random() * 40) * 200;
    if (usedPortBases.has(base)) continue;
    usedPortBases.add(base);
    return { rtcMinPort: base, rtcMaxPort: base + 199 };
  }
}

/** UDP and TCP sockets this process holds open (Linux: /proc/self/fd links read `socket:[inode]`). */
export function openSocketCount(): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) count++;
    } catch {
      // the fd closed while we listed it
    }
  }
  return count;
}

const CONNECT_TIMEOUT_MS = 45_000;
const MEDIA_TIMEOUT_MS = 30_000;

export function describeRtcEngineContract(name: string, factory: RtcEngineFactory): void {
  describe(`RtcEngine contract: ${name}`, () => {
    let engine: RtcEngine;
    const clients: (TestPublisher | TestPlayer)[] = [];
    const routers: RtcRouter[] = [];
    const engineLog: { level: string; message: string }[] = [];

    beforeAll(async () => {
      engine = await factory({
        listenIp: '127.0.0.1',
        ...portRange(),
        workers: 1,
        log: (level, _fields, message) => engineLog.push({ level, message }),
      });
    });

    afterEach(async () => {
      await Promise.all(clients.splice(0).map((client) => client.close().catch(() => undefined)));
      for (const router of routers.splice(0)) router.close();
    });

    afterAll(async () => {
      await engine?.close();
    });

    async function newRouter(label = 'contract'): Promise<RtcRouter> {
      const router = await engine.createRouter(label);
      routers.push(router);
      return router;
    }

    async function publish(router: RtcRouter, options: PublishOptions, peerOptions: Partial<RtcPeerOptions> = {}) {
      const publisher = await TestPublisher.create(options);
      clients.push(publisher);
      const result = await router.receive(await publisher.createOffer(), { label: 'publisher', ...peerOptions });
      await publisher.accept(result.answerSdp, CONNECT_TIMEOUT_MS);
      return { publisher, ...result };
    }

    async function play(router: RtcRouter, producers: readonly RtcProducer[], options: PlayOptions = {}, peerOptions: Partial<RtcPeerOptions> = {}) {
      const player = await TestPlayer.create(options);
      clients.push(player);
      const result = await router.send(await player.createOffer(), producers, { label: 'player', ...peerOptions });
      await player.accept(result.answerSdp, CONNECT_TIMEOUT_MS);
      return { player, ...result };
    }

    it('is named after the engine it runs', () => {
      expect(engine.name).toBe(name);
      expect(engine.stats().workers).toBeGreaterThanOrEqual(name === 'mediasoup' ? 1 : 0);
    });

    it('turns a published audio+video offer into one producer per kind with its codec', async () => {
      const router = await newRouter();
      const { producers, peer } = await publish(router, { audio: true, video: { codec: 'VP8' } });
      expect(producers.map((p) => [p.kind, p.mimeType, p.layers])).toEqual([
        ['audio', 'audio/opus', 1],
        ['video', 'video/VP8', 1],
      ]);
      expect(producers.every((p) => !p.closed && !p.paused)).toBe(true);
      await waitFor(() => peer.connectionState === 'connected', { timeoutMs: CONNECT_TIMEOUT_MS, what: 'engine side connected' });
      expect(engine.stats()).toMatchObject({ peers: 1, producers: 2 });
    });

    it('forwards both kinds to a player, and packets keep arriving', async () => {
      const router = await newRouter();
      const { producers } = await publish(router, { audio: true, video: { codec: 'VP8' } });
      const { player, consumers } = await play(router, producers);
      expect(consumers.map((c) => [c.kind, c.producerId])).toEqual([
        ['audio', producers[0]!.id],
        ['video', producers[1]!.id],
      ]);
      await waitFor(() => player.received.audio.packets > 20 && player.received.video.packets > 10, {
        timeoutMs: MEDIA_TIMEOUT_MS,
        what: 'first audio and video packets at the player',
      });
      const before = { audio: player.received.audio.packets, video: player.received.video.packets };
      await waitFor(() => player.received.audio.packets > before.audio + 20 && player.received.video.packets > before.video + 10, {
        timeoutMs: MEDIA_TIMEOUT_MS,
        what: 'packets to keep arriving',
      });
      // Each consumer is one RTP stream with the payload type negotiated with this player.
      expect(player.received.audio.ssrcs.size).toBe(1);
      expect(player.received.video.ssrcs.size).toBe(1);
      expect([...player.received.audio.payloadTypes]).toEqual([111]);
      expect([...player.received.video.payloadTypes]).toEqual([96]);
      expect(player.received.video.keyframes).toBeGreaterThanOrEqual(1);
      expect(engine.stats()).toMatchObject({ peers: 2, producers: 2, consumers: 2 });
    });

    it("puts a player's audio and video of one publisher in one media stream, for the browser's lip sync, unless lipSync is false", async () => {
      const router = await newRouter();
      const { producers } = await publish(router, { audio: true, video: { codec: 'VP8' } });
      const synced = await play(router, producers);
      const [syncedAudio, syncedVideo] = msidStreamIds(synced.answerSdp);
      expect(syncedAudio).toBeDefined();
      expect(syncedAudio).toBe(syncedVideo);
      const unsynced = await play(router, producers, {}, { lipSync: false });
      const [audioStream, videoStream] = msidStreamIds(unsynced.answerSdp);
      expect(audioStream).toBeDefined();
      expect(videoStream).toBeDefined();
      expect(audioStream).not.toBe(videoStream);
      await waitFor(() => unsynced.player.received.audio.packets > 20 && unsynced.player.received.video.packets > 10, {
        timeoutMs: MEDIA_TIMEOUT_MS,
        what: 'audio and video at the player without lip sync',
      });
      // Two publishers' tracks to one player (a room subscriber): one's voice is not synced to the other's picture.
      const other = await publish(router, { audio: true, video: { codec: 'VP8' } });
      const mixed = await play(router, [producers[0]!, other.producers[1]!]);
      const [firstAudio, otherVideo] = msidStreamIds(mixed.answerSdp);
      expect(firstAudio).toBeDefined();
      expect(otherVideo).toBeDefined();
      expect(firstAudio).not.toBe(otherVideo);
    });

    it('requests a keyframe from the publisher when a player joins', async () => {
      const router = await newRouter();
      const { publisher, producers } = await publish(router, { video: { codec: 'VP8' } });
      // Let start-up requests settle, then count only the ones the join causes.
      await sleep(1500);
      const before = publisher.keyframeRequests;
      const { player } = await play(router, producers, { kinds: ['video'] });
      await waitFor(() => publisher.keyframeRequests > before, { timeoutMs: MEDIA_TIMEOUT_MS, what: 'PLI/FIR at the publisher' });
      await waitFor(() => player.received.video.keyframes > 0, { timeoutMs: MEDIA_TIMEOUT_MS, what: 'a keyframe at the player' });
    });

    it('forwards a keyframe request of a consumer to the publisher', async () => {
      const router = await newRouter();
      const { publisher, producers } = await publish(router, { video: { codec: 'VP8' } });
      const { player, consumers } = await play(router, producers, { kinds: ['video'] });
      await waitFor(() => player.received.video.packets > 0, { timeoutMs: MEDIA_TIMEOUT_MS, what: 'video at the player' });
      await sleep(1500);
      const before = publisher.keyframeRequests;
      consumers[0]!.requestKeyFrame();
      await waitFor(() => publisher.keyframeRequests > before, { timeoutMs: MEDIA_TIMEOUT_MS, what: 'PLI/FIR after requestKeyFrame' });
    });

    it.each([
      ['constrained baseline', '42e01f'],
      ['high', '640032'],
    ])('accepts and forwards an H.264 %s (%s) offer', async (_profile, profileLevelId) => {
      const router = await newRouter();
      const { producers, answerSdp } = await publish(router, { video: { codec: 'H264', profileLevelId } });
      expect(producers.map((p) => [p.kind, p.mimeType])).toEqual([['video', 'video/H264']]);
      expect(answerSdp).toMatch(/a=rtpmap:\d+ H264\/90000/i);
      expect(answerSdp).toMatch(/packetization-mode=1/);
      expect(answerSdp.toLowerCase()).toContain(`profile-level-id=${profileLevelId.slice(0, 2)}`);
      const { player } = await play(router, producers, { kinds: ['video'] });
      await waitFor(() => player.received.video.packets > 10, { timeoutMs: MEDIA_TIMEOUT_MS, what: 'H.264 at the player' });
      expect(player.received.video.keyframes).toBeGreaterThanOrEqual(1);
    });

    it('receives simulcast as layers of one producer and moves a player between layers without breaking its stream', async () => {
      const router = await newRouter();
      const { producers } = await publish(router, { video: { codec: 'VP8' }, simulcastRids: ['l', 'h'] });
      expect(producers.map((p) => [p.kind, p.layers])).toEqual([['video', 2]]);
      const { player, consumers } = await play(router, producers, { kinds: ['video'] });
      const consumer = consumers[0]!;
      await waitFor(() => player.received.video.packets > 10 && consumer.currentLayer !== undefined, {
        timeoutMs: MEDIA_TIMEOUT_MS,
        what: 'simulcast video at the player',
      });
      const layers: (number | undefined)[] = [];
      consumer.on('layerchange', (layer) => layers.push(layer));
      const target = consumer.currentLayer === 0 ? 1 : 0;
      consumer.setPreferredLayer(target === 0 ? 0 : 1);
      await waitFor(() => consumer.currentLayer === target, { timeoutMs: MEDIA_TIMEOUT_MS, what: `switch to layer ${target}` });
      const atSwitch = player.received.video.packets;
      await waitFor(() => player.received.video.packets > atSwitch + 10, { timeoutMs: MEDIA_TIMEOUT_MS, what: 'packets after the switch' });
      expect(layers).toContain(target);
      // One RTP stream for the viewer across the switch: same SSRC, sequence numbers continue.
      expect(player.received.video.ssrcs.size).toBe(1);
      expect(player.received.video.sequenceJumps).toBe(0);
    });

    it('rejects an offer with nothing usable with RtcNegotiationError and keeps nothing', async () => {
      const router = await newRouter();
      const publisher = await TestPublisher.create({ audio: true });
      clients.push(publisher);
      const offer = await publisher.createOffer();
      // The same offer with its only codec swapped for one the SFU does not route.
      const unusable = offer.replace(/opus\/48000\/2/gi, 'G722/8000').replace(/a=fmtp:111 .*\r\n/g, '');
      expect(unusable).not.toBe(offer);
      await expect(router.receive(unusable, { label: 'unusable' })).rejects.toBeInstanceOf(RtcNegotiationError);
      await expect(router.receive('v=0\r\nthis is not sdp\r\n', { label: 'garbage' })).rejects.toBeInstanceOf(RtcNegotiationError);
      const player = await TestPlayer.create({ kinds: ['video'] });
      clients.push(player);
      await expect(router.send(await player.createOffer(), [], { label: 'no producers' })).rejects.toBeInstanceOf(RtcNegotiationError);
      expect(engine.stats()).toMatchObject({ peers: 0, producers: 0, consumers: 0 });
    });

    it("closes a publisher's producers and its players' consumers when the publisher closes", async () => {
      const router = await newRouter();
      const { peer, producers } = await publish(router, { audio: true, video: { codec: 'VP8' } });
      const { consumers, peer: playerPeer } = await play(router, producers);
      const producerClosed = jest.fn();
      const consumerClosed = jest.fn();
      producers.forEach((p) => p.on('closed', producerClosed));
      consumers.forEach((c) => c.on('closed', consumerClosed));
      peer.close();
      await waitFor(() => producers.every((p) => p.closed) && consumers.every((c) => c.closed), {
        timeoutMs: MEDIA_TIMEOUT_MS,
        what: 'producers and consumers closed',
      });
      expect(producerClosed).toHaveBeenCalledTimes(2);
      expect(consumerClosed).toHaveBeenCalledTimes(2);
      expect(playerPeer.closed).toBe(false);
      expect(engine.stats()).toMatchObject({ peers: 1, producers: 0, consumers: 0 });
    });

    it("emits 'closed' once when a peer is closed, however often", async () => {
      const router = await newRouter();
      const { peer } = await publish(router, { audio: true });
      const closed = jest.fn();
      const states: string[] = [];
      peer.on('closed', closed);
      peer.on('connectionstatechange', (state) => states.push(state));
      peer.close();
      peer.close();
      router.close();
      expect(closed).toHaveBeenCalledTimes(1);
      expect(peer.closed).toBe(true);
      expect(peer.connectionState).toBe('closed');
      expect(router.closed).toBe(true);
      expect(engine.stats()).toMatchObject({ peers: 0, producers: 0 });
    });

    it('closes a peer whose remote side went away', async () => {
      const router = await newRouter();
      const { publisher, peer, producers } = await publish(router, { audio: true, video: { codec: 'VP8' } });
      const closed = jest.fn();
      peer.on('closed', closed);
      await publisher.close();
      // DTLS close_notify, or else the ICE consent timeout (30 s), tells the engine.
      await waitFor(() => peer.closed, { timeoutMs: 90_000, what: 'engine to close the abandoned peer' });
      expect(closed).toHaveBeenCalledTimes(1);
      expect(producers.every((p) => p.closed)).toBe(true);
    }, 150_000);

    it('carries data-channel messages both ways when enableDataChannel', async () => {
      const router = await newRouter();
      const { publisher, peer } = await publish(router, { audio: true, dataChannel: true }, { enableDataChannel: true });
      await waitFor(() => peer.dataChannel?.isOpen && publisher.dataChannelOpen, {
        timeoutMs: CONNECT_TIMEOUT_MS,
        what: 'data channel open on both sides',
      });
      const channel = peer.dataChannel!;
      const atEngine: (string | Buffer)[] = [];
      channel.on('message', (data) => atEngine.push(data));
      publisher.send('hello from the client');
      publisher.send(Buffer.from([1, 2, 3]));
      await waitFor(() => atEngine.length >= 2, { timeoutMs: MEDIA_TIMEOUT_MS, what: 'messages at the engine' });
      expect(String(atEngine[0])).toBe('hello from the client');
      expect(Buffer.from(atEngine[1] as Buffer)).toEqual(Buffer.from([1, 2, 3]));
      channel.send('hello from the SFU');
      await waitFor(() => publisher.messages.length >= 1, { timeoutMs: MEDIA_TIMEOUT_MS, what: 'message at the client' });
      expect(String(publisher.messages[0])).toBe('hello from the SFU');
      expect(engine.stats().dataChannels).toBe(1);
    });

    it('has no data channel when it was not enabled', async () => {
      const router = await newRouter();
      const { peer } = await publish(router, { audio: true, dataChannel: true });
      await sleep(1000);
      expect(peer.dataChannel).toBeUndefined();
      expect(engine.stats().dataChannels).toBe(0);
    });

    it('is back to its baseline of peers, producers, consumers and sockets after 60 publish/play/close cycles (1,000 more run through HTTP in test/churn.e2e-spec.ts)', async () => {
      await waitFor(() => engine.stats().peers === 0, { timeoutMs: MEDIA_TIMEOUT_MS, what: 'earlier peers gone' });
      await sleep(500);
      const baselineSockets = openSocketCount();
      const baselineRouters = engine.stats().routers;
      const cycles = 60;
      const parallel = 4;
      let next = 0;
      const runCycle = async (index: number) => {
        const router = await engine.createRouter(`cycle-${index}`);
        const publisher = await TestPublisher.create({ audio: true, video: { codec: 'VP8' }, dataChannel: index % 2 === 0 });
        const player = await TestPlayer.create({});
        try {
          const published = await router.receive(await publisher.createOffer(), { label: 'cycle-publisher', enableDataChannel: true });
          await publisher.accept(published.answerSdp, CONNECT_TIMEOUT_MS);
          const played = await router.send(await player.createOffer(), published.producers, { label: 'cycle-player' });
          await player.accept(played.answerSdp, CONNECT_TIMEOUT_MS);
          // Close from different ends: the peer, the publisher's producers first, or the whole router.
          if (index % 3 === 0) played.peer.close();
          if (index % 3 === 1) published.peer.close();
        } finally {
          await publisher.close();
          await player.close();
          router.close();
        }
      };
      await Promise.all(
        Array.from({ length: parallel }, async () => {
          while (next < cycles) await runCycle(next++);
        }),
      );
      await waitFor(
        () => {
          const stats = engine.stats();
          return stats.peers === 0 && stats.producers === 0 && stats.consumers === 0 && stats.dataChannels === 0 && stats.routers === baselineRouters;
        },
        { timeoutMs: MEDIA_TIMEOUT_MS, what: `engine stats back to baseline (${JSON.stringify(engine.stats())})` },
      );
      await waitFor(() => openSocketCount() <= baselineSockets, {
        timeoutMs: MEDIA_TIMEOUT_MS,
        what: `open sockets back to ${baselineSockets} (now ${openSocketCount()})`,
      });
    }, 1_200_000);

    it('sends plain RTP to a local port as described, with keyframes on request, until closed', async () => {
      const router = await newRouter('plain-rtp');
      const { producers, publisher } = await publish(router, { video: { codec: 'VP8' }, audio: true });
      const sockets = await Promise.all(
        producers.map(async () => {
          const socket = createSocket('udp4');
          await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
          const packets: Array<{ payloadType: number; ssrc: number }> = [];
          socket.on('message', (msg) => packets.push({ payloadType: msg[1]! & 0x7f, ssrc: msg.readUInt32BE(8) }));
          return { socket, packets, port: (socket.address() as { port: number }).port };
        }),
      );
      try {
        const output = await router.sendPlainRtp(
          producers,
          sockets.map((s) => ({ ip: '127.0.0.1', port: s.port })),
        );
        expect(output.streams.map((s) => `${s.kind} ${s.mimeType} ${s.clockRate} ${s.port}`)).toEqual(
          producers.map((p, i) => `${p.kind} ${p.mimeType} ${p.kind === 'video' ? 90000 : 48000} ${sockets[i]!.port}`),
        );
        for (const [i, stream] of output.streams.entries()) {
          const { packets } = sockets[i]!;
          await waitFor(() => packets.filter((p) => p.ssrc === stream.ssrc).length > 20, { timeoutMs: MEDIA_TIMEOUT_MS, what: `${stream.kind} plain RTP` });
          // The described SSRC and payload type only; mediasoup adds its bandwidth probation packets (SSRC 1234, PT 127), which receivers drop.
          const media = packets.filter((p) => p.ssrc !== 1234);
          expect(new Set(media.map((p) => `${p.payloadType}/${p.ssrc}`))).toEqual(new Set([`${stream.payloadType}/${stream.ssrc}`]));
        }
        const before = publisher.keyframeRequests;
        output.requestKeyFrame();
        await waitFor(() => publisher.keyframeRequests > before, { timeoutMs: MEDIA_TIMEOUT_MS, what: 'PLI/FIR at the publisher' });
        output.close();
        expect(output.closed).toBe(true);
        await sleep(300);
        const counts = sockets.map((s) => s.packets.length);
        await sleep(500);
        expect(sockets.map((s) => s.packets.length)).toEqual(counts);
      } finally {
        for (const s of sockets) s.socket.close();
      }
    });
  });
}

/** The media stream id (`a=msid`) of each audio/video section of an answer, in section order. */
function msidStreamIds(answerSdp: string): (string | undefined)[] {
  return sdpTransform
    .parse(answerSdp)
    .media.filter((m) => m.type === 'audio' || m.type === 'video')
    .map((m) => m.msid?.[0]?.id);
}
