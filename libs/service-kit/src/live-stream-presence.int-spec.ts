import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { streamContracts, type StreamEnded, type StreamStarted } from '@mediaplane/contracts';
import { Bus, eventsStreamName } from '@mediaplane/messaging';
import { createLogger, createMetricsRegistry } from '@mediaplane/observability';
import { LiveStreamStore, liveStreamKeys, type LiveStreamState } from '@mediaplane/sessions';
import { uniqueNamespace, waitFor } from '@mediaplane/testing';
import { LiveStreamPresence } from './live-stream-presence';

const NATS_URL = process.env['MEDIAPLANE_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const REDIS_URL = process.env['MEDIAPLANE_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

describe('LiveStreamPresence on real Redis and NATS', () => {
  const namespace = uniqueNamespace('presence');
  const redis = new Redis(REDIS_URL);
  const store = new LiveStreamStore(redis, namespace);
  const logger = createLogger({ app: 'test', level: 'silent' });
  let bus: Bus;
  const started: StreamStarted[] = [];
  const ended: StreamEnded[] = [];

  beforeAll(async () => {
    bus = await Bus.connect(NATS_URL, { namespace, queueGroup: 'test', logger, metrics: createMetricsRegistry('test', 'test-1') });
    await bus.ensureJetStream();
    bus.subscribe(streamContracts.streamStarted, (event) => void started.push(event));
    bus.subscribe(streamContracts.streamEnded, (event) => void ended.push(event));
    await bus.nc.flush();
  });

  afterAll(async () => {
    const jsm = await bus.nc.jetstreamManager();
    await jsm.streams.delete(eventsStreamName(namespace)).catch(() => undefined);
    await bus.close();
    const keys = await redis.keys(`${namespace}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  function session(streamId = `s${randomUUID().slice(0, 8)}`) {
    const sessionId = randomUUID();
    const startedAt = new Date();
    const state = (): LiveStreamState => ({
      streamId,
      sessionId,
      node: 'node-a',
      protocol: 'rtmp',
      private: false,
      startedAt: startedAt.toISOString(),
      updatedAt: new Date().toISOString(),
      media: {},
      bitrateKbps: 0,
      viewers: {},
    });
    const presence = new LiveStreamPresence({ streamId, sessionId, protocol: 'rtmp', startedAt }, { bus, store, node: 'node-a', ttlMs: 5000, logger });
    return { streamId, sessionId, state, presence };
  }

  it('holds a claimed entry, takes it back when Redis forgot it, and reports it lost to another session', async () => {
    const ours = session();
    expect(await ours.presence.claim(ours.state())).toBe(true);
    expect(await ours.presence.refresh(ours.state(), () => true)).toBe('held');

    await redis.del(liveStreamKeys(namespace).entry(ours.streamId));
    expect(await ours.presence.refresh(ours.state(), () => true)).toBe('reclaimed');
    expect((await store.get(ours.streamId))?.sessionId).toBe(ours.sessionId);

    // Gone while our session is ending: left gone.
    await redis.del(liveStreamKeys(namespace).entry(ours.streamId));
    expect(await ours.presence.refresh(ours.state(), () => false)).toBe('ending');
    expect(await store.get(ours.streamId)).toBeUndefined();

    const theirs = session(ours.streamId);
    expect(await theirs.presence.claim(theirs.state())).toBe(true);
    expect(await ours.presence.claim(ours.state())).toBe(false);
    expect(await ours.presence.refresh(ours.state(), () => true)).toBe('lost');
    // Releasing is for the owner only: ours leaves theirs alone.
    await ours.presence.release();
    expect((await store.get(ours.streamId))?.sessionId).toBe(theirs.sessionId);
    await theirs.presence.release();
    expect(await store.get(ours.streamId)).toBeUndefined();
  });

  it('takes over: kicks the session found live (by its session id) and claims once it lets go', async () => {
    const live = session();
    expect(await live.presence.claim(live.state())).toBe(true);
    // The live session's node: on the kick naming it, it releases (as ingest and the SFU do when they end it).
    const kicks: Array<{ streamId: string; sessionId?: string }> = [];
    const sub = bus.subscribe(streamContracts.streamKick, (command) => {
      kicks.push(command);
      if (command.sessionId === live.sessionId) void live.presence.release();
    });
    await bus.nc.flush();
    try {
      const next = session(live.streamId);
      expect(await next.presence.claim(next.state())).toBe(false);
      expect(kicks).toEqual([]);
      expect(await next.presence.claim(next.state(), true)).toBe(true);
      expect(kicks).toEqual([{ streamId: live.streamId, reason: 'takeover', sessionId: live.sessionId }]);
      expect((await store.get(live.streamId))?.sessionId).toBe(next.sessionId);
      await next.presence.release();
    } finally {
      sub.unsubscribe();
    }
  });

  it('announces started (with settings) and ended once per session, with the session identity', async () => {
    const one = session();
    expect(await one.presence.announceStarted({ video: { codec: 'h264' } }, { private: true, record: false })).toBe(true);
    const endedAt = new Date();
    await one.presence.announceEnded('kicked', endedAt, 1234);
    await waitFor(() => ended.some((e) => e.sessionId === one.sessionId), { what: 'stream.ended' });
    expect(started.find((e) => e.sessionId === one.sessionId)).toMatchObject({
      streamId: one.streamId,
      protocol: 'rtmp',
      node: 'node-a',
      media: { video: { codec: 'h264' } },
      settings: { private: true, record: false },
    });
    expect(ended.find((e) => e.sessionId === one.sessionId)).toMatchObject({ reason: 'kicked', bytesIn: 1234, endedAt: endedAt.toISOString() });
  });
});
