import { RtmpClientConnection } from '@mediaplane/media-io';
import { RelayViewerStore } from '@mediaplane/sessions';
import { ffmpegPublish, ffprobe, killAllChildren, spawnTracked, waitFor, type Publisher } from '@mediaplane/testing';
import { IngestHarness, ffprobeBytes, recordWsFlv, type TestStream } from './ingest-harness';

jest.setTimeout(120_000);

const LINGER_MS = 1500;

/** An HTTP-FLV viewer held open: counts bytes and settles `ended` when the server ends the response. */
async function openFlvViewer(url: string): Promise<{ status: number; bytes: () => number; ended: Promise<void>; close: () => void }> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  let received = 0;
  const ended = (async () => {
    if (!res.body) return;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) received += chunk.length;
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    }
  })();
  return { status: res.status, bytes: () => received, ended, close: () => controller.abort() };
}

/** Publishes with the engine's test client; resolves with the onStatus description. */
async function tryPublish(port: number, name: string): Promise<string> {
  const client = await RtmpClientConnection.connect({ host: '127.0.0.1', port, app: 'live' });
  try {
    const status = await client.publish(await client.createStream(), name);
    return String(status['description']);
  } finally {
    client.close();
  }
}

describe('play from any node: two ingest nodes on one platform (FFmpeg publisher on A, viewers on B)', () => {
  let a: IngestHarness;
  let b: IngestHarness;
  let stream: TestStream;
  let publisher: Publisher;
  const env = {
    INGEST_RELAY_LINGER_MS: String(LINGER_MS),
    INGEST_AUTH_BACKOFF_BASE_MS: '50',
    INGEST_AUTH_BACKOFF_MAX_MS: '100',
    INGEST_AUTH_MAX_FAILURES: '3',
  };

  beforeAll(async () => {
    a = await IngestHarness.start({ env: { ...env, MEDIAPLANE_INSTANCE_ID: 'ingest-a' } });
    b = await IngestHarness.startPeer(a, { instanceId: 'ingest-b', env });
    // Private, so the relay node's token checks are exercised on every protocol too.
    stream = a.addStream({ private: true });
    publisher = ffmpegPublish({ url: a.rtmpUrl(stream.key), width: 320, height: 180, fps: 25, gopFrames: 25, videoBitrateKbps: 300 });
    await a.waitLive(stream.id);
  });

  afterAll(async () => {
    await publisher?.stop();
    await b?.stop();
    await a?.stop();
    await killAllChildren();
  });

  const token = (): string => a.token(stream.id);

  it('refuses a private stream on B without a token (401) or with another stream’s (403), before pulling anything', async () => {
    expect((await fetch(b.flvUrl(stream.id))).status).toBe(401);
    expect((await fetch(b.flvUrl(stream.id, a.token('some-other-stream')))).status).toBe(403);
    expect((await recordWsFlv(b.wsFlvUrl(stream.id), 100)).status).toBe(401);
    expect(await b.metric('mediaplane_ingest_relay_pulls')).toBe(0);
    expect(await a.metric('mediaplane_ingest_internal_pulls')).toBe(0);
  });

  it('answers 404 on B for a stream live nowhere', async () => {
    expect((await fetch(b.flvUrl('nowhere-live'))).status).toBe(404);
  });

  it.each(['rtmp', 'flv'] as const)('plays the stream from B over %s: ffprobe reads h264 and aac', async (protocol) => {
    const url = protocol === 'rtmp' ? `${b.rtmpUrl(stream.id)}?token=${token()}` : b.flvUrl(stream.id, token());
    const probed = await ffprobe(url);
    expect(probed.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 320, height: 180 });
    expect(probed.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
  });

  it('plays the stream from B over WebSocket-FLV', async () => {
    const { status, bytes } = await recordWsFlv(b.wsFlvUrl(stream.id, token()), 2000);
    expect(status).toBe('open');
    const probed = await ffprobeBytes(bytes);
    expect(probed.streams.find((s) => s['codec_type'] === 'video')).toMatchObject({ codec_name: 'h264', width: 320, height: 180 });
    expect(probed.streams.find((s) => s['codec_type'] === 'audio')).toMatchObject({ codec_name: 'aac' });
  });

  it('serves 20 concurrent viewers on B from one pull of A (an internal pull there, not a viewer), reported as relay viewers', async () => {
    const viewers = await Promise.all(Array.from({ length: 20 }, () => openFlvViewer(b.flvUrl(stream.id, token()))));
    try {
      expect(viewers.map((v) => v.status)).toEqual(Array(20).fill(200));
      await waitFor(() => viewers.every((v) => v.bytes() > 10_000), { what: 'media at every viewer', timeoutMs: 15_000 });
      expect(await b.metric('mediaplane_ingest_relay_pulls')).toBe(1);
      expect(await a.metric('mediaplane_ingest_internal_pulls')).toBe(1);
      expect(await a.metric('mediaplane_ingest_viewers', { protocol: 'flv' })).toBe(0);
      await waitFor(async () => (await b.metric('mediaplane_ingest_relay_viewers', { protocol: 'flv' })) === 20, { what: 'relay viewers gauge' });
      // The live state stays the origin's; B's viewers are its share in the relay viewer store, summed by the control plane.
      const relayed = new RelayViewerStore(a.redis, a.namespace);
      await waitFor(async () => (await relayed.totals([stream.id])).get(stream.id)?.flv === 20, { what: 'relay viewers in Redis' });
      expect((await a.liveState(stream.id))?.node).toBe('ingest-a');
    } finally {
      for (const v of viewers) v.close();
    }
  });

  it('drops the pull after the linger once the last viewer on B left', async () => {
    await waitFor(async () => (await b.metric('mediaplane_ingest_relay_pulls')) === 0, { what: 'relay pull closed on B', timeoutMs: LINGER_MS + 10_000 });
    await waitFor(async () => (await a.metric('mediaplane_ingest_internal_pulls')) === 0, { what: 'internal pull gone on A' });
    const relayed = new RelayViewerStore(a.redis, a.namespace);
    expect((await relayed.totals([stream.id])).get(stream.id)).toEqual({});
  });

  it('ends the stream for viewers on both nodes when the publisher on A stops', async () => {
    const onA = await openFlvViewer(a.flvUrl(stream.id, token()));
    const onB = await openFlvViewer(b.flvUrl(stream.id, token()));
    // An RTMP player on B: FFmpeg exits when it sees the end (unpublish, then close).
    const rtmpOnB = spawnTracked('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', `${b.rtmpUrl(stream.id)}?token=${token()}`, '-c', 'copy', '-f', 'null', '-'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const rtmpExited = new Promise<number | null>((resolve) => rtmpOnB.once('exit', (code) => resolve(code)));
    await waitFor(() => onA.bytes() > 5000 && onB.bytes() > 5000, { what: 'media on both nodes' });
    await waitFor(async () => (await b.metric('mediaplane_ingest_relay_viewers', { protocol: 'rtmp' })) === 1, { what: 'RTMP viewer on B' });
    await publisher.stop();
    await Promise.all([onA.ended, onB.ended, rtmpExited]);
    expect((await fetch(b.flvUrl(stream.id, token()))).status).toBe(404);
    await waitFor(async () => (await b.metric('mediaplane_ingest_relay_pulls')) === 0, { what: 'relay closed with the stream' });
  });

  it('throttles failed publishes spread over both nodes together (one count in Redis)', async () => {
    const before = a.authorizeRequests;
    // INGEST_AUTH_MAX_FAILURES=3: two failures on A and one on B…
    expect(await tryPublish(a.rtmpPort, 'sk_wrongGuess_a1_abcdefgh')).toMatch(/unknown stream key/);
    expect(await tryPublish(a.rtmpPort, 'sk_wrongGuess_a2_abcdefgh')).toMatch(/unknown stream key/);
    expect(await tryPublish(b.rtmpPort, 'sk_wrongGuess_b1_abcdefgh')).toMatch(/unknown stream key/);
    // …and the address is refused on either node without asking the control plane, even with a valid key.
    const good = a.addStream();
    expect(await tryPublish(b.rtmpPort, good.key)).toMatch(/too many failed attempts/);
    expect(await tryPublish(a.rtmpPort, good.key)).toMatch(/too many failed attempts/);
    expect(a.authorizeRequests - before).toBe(3);
  });
});
