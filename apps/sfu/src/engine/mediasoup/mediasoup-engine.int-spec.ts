import { waitFor } from '@mediaplane/testing';
import { findMediasoupWorker } from '../create-rtc-engine';
import type { RtcRouter } from '../rtc-engine';
import { TestPlayer, TestPublisher } from '../testing/werift-test-peer';
import { MediasoupEngine, type MediasoupEngineOptions } from './mediasoup-engine';

/**
 * What only the mediasoup engine does (the shared contract covers the rest):
 * a worker killed under live peers is replaced and its routers serve again,
 * and viewers beyond the spill threshold are served from a piped router on
 * another worker.
 */
const worker = findMediasoupWorker();
const describeWithWorker = worker ? describe : describe.skip;
if (!worker) process.stdout.write('mediasoup engine spec not run: no mediasoup worker (MEDIASOUP_WORKER_BIN)\n');

describeWithWorker('MediasoupEngine', () => {
  const clients: (TestPublisher | TestPlayer)[] = [];
  let engine: MediasoupEngine | undefined;
  const logs: { level: string; message: string; fields: Record<string, unknown> }[] = [];

  async function start(options: Partial<MediasoupEngineOptions>): Promise<MediasoupEngine> {
    const base = 42000 + Math.floor(Math.random() * 30) * 200;
    engine = await MediasoupEngine.create({
      listenIp: '127.0.0.1',
      rtcMinPort: base,
      rtcMaxPort: base + 199,
      log: (level, fields, message) => logs.push({ level, message, fields }),
      ...options,
    });
    return engine;
  }

  async function publish(router: RtcRouter) {
    const publisher = await TestPublisher.create({ video: { codec: 'VP8' } });
    clients.push(publisher);
    const result = await router.receive(await publisher.createOffer(), { label: 'publisher' });
    await publisher.accept(result.answerSdp);
    return { publisher, ...result };
  }

  async function play(router: RtcRouter, producers: Awaited<ReturnType<typeof publish>>['producers']) {
    const player = await TestPlayer.create({ kinds: ['video'] });
    clients.push(player);
    const result = await router.send(await player.createOffer(), producers, { label: 'player' });
    await player.accept(result.answerSdp);
    return { player, ...result };
  }

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
    await engine?.close();
    engine = undefined;
    logs.length = 0;
  });

  it('replaces a killed worker, closes its peers and serves the same router again', async () => {
    const engine = await start({ workers: 1 });
    const router = await engine.createRouter('room');
    const { peer } = await publish(router);
    const [slot] = engine.pool.all();
    const deadPid = slot!.worker.pid;
    const closed = jest.fn();
    peer.on('closed', closed);
    process.kill(deadPid, 'SIGKILL');
    await waitFor(() => peer.closed, { timeoutMs: 20_000, what: 'peer of the dead worker closed' });
    expect(closed).toHaveBeenCalledTimes(1);
    await waitFor(() => engine.pool.all().some((s) => s.worker.pid !== deadPid && !s.worker.closed), {
      timeoutMs: 20_000,
      what: 'a replacement worker',
    });
    expect(logs.some((l) => l.level === 'error' && l.message.includes('worker died'))).toBe(true);
    // The RtcRouter handed out before the death takes new publishers and players.
    const again = await publish(router);
    const { player } = await play(router, again.producers);
    await waitFor(() => player.received.video.packets > 10, { timeoutMs: 30_000, what: 'video through the re-homed router' });
    expect(logs.some((l) => l.message.includes('re-homed'))).toBe(true);
    expect(engine.stats()).toMatchObject({ workers: 1, routers: 1, peers: 2, producers: 1, consumers: 1 });
  });

  it('closes a peer that never connects, as failed, and reports traffic of one that does', async () => {
    const engine = await start({ workers: 1, timeouts: { connectTimeoutMs: 1500 } });
    const router = await engine.createRouter('timeouts');
    const silent = await TestPublisher.create({ audio: true });
    clients.push(silent);
    const { peer: never } = await router.receive(await silent.createOffer(), { label: 'never-answers' });
    const states: string[] = [];
    never.on('connectionstatechange', (state) => states.push(state));
    await waitFor(() => never.closed, { timeoutMs: 10_000, what: 'the unconnected peer closed' });
    expect(states).toEqual(['failed', 'closed']);
    const { peer } = await publish(router);
    await waitFor(async () => (await peer.stats()).bytesReceived > 10_000, { timeoutMs: 20_000, what: 'bytes received' });
    expect(engine.stats()).toMatchObject({ peers: 1, producers: 1 });
  });

  it('serves viewers beyond the threshold from a piped router on another worker', async () => {
    const engine = await start({ workers: 2, spillConsumersAt: 1 });
    const router = await engine.createRouter('auction');
    const { producers } = await publish(router);
    const first = await play(router, producers);
    const second = await play(router, producers);
    await waitFor(() => first.player.received.video.packets > 10 && second.player.received.video.packets > 10, {
      timeoutMs: 30_000,
      what: 'video at both viewers',
    });
    // One consumer on each worker: the second viewer was placed on the other worker, fed by pipeToRouter.
    expect(engine.pool.all().map((s) => s.consumers)).toEqual([1, 1]);
    expect(logs.some((l) => l.message.includes('spill over'))).toBe(true);
    expect(second.player.received.video.keyframes).toBeGreaterThanOrEqual(1);
    // RTCP from the viewer gives the piped consumer's peer a round-trip time.
    const stats = await waitFor(
      async () => {
        const s = await second.peer.stats();
        return s.rttMs !== undefined && s.bytesSent > 10_000 ? s : undefined;
      },
      { timeoutMs: 20_000, what: 'rtt and bytes sent in the viewer peer stats' },
    );
    expect(stats.rttMs).toBeLessThan(1000);
    // Closing the publisher ends the piped consumer too.
    producers[0]!.close();
    await waitFor(() => second.consumers.every((c) => c.closed), { timeoutMs: 20_000, what: 'piped consumer closed with its producer' });
  });
});
