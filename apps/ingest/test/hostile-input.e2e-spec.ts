import { RtmpClientConnection } from '@mediaplane/media-io';
import { ffmpegPublish, killAllChildren, sleep, waitFor, type Publisher } from '@mediaplane/testing';
import { IngestHarness, type TestStream } from './ingest-harness';
import { RawRtmpPeer, deeplyNestedConnect } from './raw-rtmp-peer';

jest.setTimeout(120_000);

/** Counts the bytes an HTTP-FLV viewer receives, to show it keeps flowing while others misbehave. */
function countingViewer(url: string): { bytes: () => number; stop: () => void } {
  const controller = new AbortController();
  let bytes = 0;
  void fetch(url, { signal: controller.signal })
    .then(async (res) => {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
    })
    .catch(() => undefined);
  return { bytes: () => bytes, stop: () => controller.abort() };
}

describe('ingest under hostile input', () => {
  let harness: IngestHarness;
  let stream: TestStream;
  let publisher: Publisher;
  let viewer: ReturnType<typeof countingViewer>;

  beforeAll(async () => {
    harness = await IngestHarness.start({
      env: { INGEST_HANDSHAKE_TIMEOUT_MS: '1500', INGEST_SETUP_TIMEOUT_MS: '3000', INGEST_IDLE_TIMEOUT_MS: '3000', INGEST_MAX_CONNECTIONS_PER_ADDRESS: '4' },
    });
    stream = harness.addStream();
    publisher = ffmpegPublish({ url: harness.rtmpUrl(stream.key), width: 320, height: 240 });
    await harness.waitLive(stream.id);
    viewer = countingViewer(harness.flvUrl(stream.id));
  });

  afterAll(async () => {
    viewer?.stop();
    await publisher?.stop();
    await harness?.stop();
    await killAllChildren();
  });

  /** The innocent publisher and viewer are unaffected by whatever a test just did. */
  async function expectOthersUnaffected(): Promise<void> {
    const before = viewer.bytes();
    await waitFor(() => viewer.bytes() > before + 5000, { what: 'the other viewer still receiving', timeoutMs: 5000 });
    expect(publisher.process.exitCode).toBeNull();
    expect((await fetch(`${harness.httpUrl}/healthz`)).status).toBe(200);
  }

  it('closes a connection that sends garbage instead of a handshake', async () => {
    const peer = await RawRtmpPeer.open(harness.rtmpPort, '127.0.0.3');
    peer.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(await peer.closed).toBeLessThan(1000);
    expect(await harness.metric('mediaplane_ingest_protocol_errors_total', { code: 'handshake-version' })).toBeGreaterThanOrEqual(1);
    await expectOthersUnaffected();
  });

  it('closes a connection that does not finish the handshake in time', async () => {
    const peer = await RawRtmpPeer.open(harness.rtmpPort, '127.0.0.3');
    peer.write(Buffer.from([3]));
    const lifetime = await peer.closed;
    expect(lifetime).toBeGreaterThanOrEqual(1400);
    expect(lifetime).toBeLessThan(6000);
    expect(await harness.metric('mediaplane_ingest_protocol_errors_total', { code: 'handshake-timeout' })).toBeGreaterThanOrEqual(1);
  });

  it('closes a connection that announces a message larger than the limit, before buffering it', async () => {
    const peer = await RawRtmpPeer.open(harness.rtmpPort, '127.0.0.3');
    await peer.handshake();
    peer.write(RawRtmpPeer.chunk(20, 0xffffff, Buffer.alloc(64)));
    expect(await peer.closed).toBeLessThan(3000);
    expect(await harness.metric('mediaplane_ingest_protocol_errors_total', { code: 'message-too-large' })).toBeGreaterThanOrEqual(1);
    await expectOthersUnaffected();
  });

  it('closes a connection whose AMF nesting is too deep', async () => {
    const peer = await RawRtmpPeer.open(harness.rtmpPort, '127.0.0.3');
    await peer.handshake();
    const body = deeplyNestedConnect(100);
    // Small enough for one chunk at the default chunk size of 128.
    for (let off = 0, first = true; off < body.length; off += 128, first = false) {
      const part = body.subarray(off, off + 128);
      peer.write(first ? RawRtmpPeer.chunk(20, body.length, part) : Buffer.concat([Buffer.from([0xc3]), part]));
    }
    expect(await peer.closed).toBeLessThan(3000);
    expect(await harness.metric('mediaplane_ingest_protocol_errors_total', { code: 'amf-invalid' })).toBeGreaterThanOrEqual(1);
  });

  it('closes a connection that never asks to publish or play', async () => {
    const client = await RtmpClientConnection.connect({ host: '127.0.0.1', port: harness.rtmpPort, app: 'live' });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const started = Date.now();
    await closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(await harness.metric('mediaplane_ingest_protocol_errors_total', { code: 'setup-timeout' })).toBeGreaterThanOrEqual(1);
  });

  it('ends a publisher that goes silent, with reason "timeout", and frees its key', async () => {
    const silent = harness.addStream();
    const client = await RtmpClientConnection.connect({ host: '127.0.0.1', port: harness.rtmpPort, app: 'live' });
    const status = await client.publish(await client.createStream(), silent.key);
    expect(status['code']).toBe('NetStream.Publish.Start');
    const ended = await waitFor(() => harness.eventsFor(silent.id, 'ended')[0], { what: 'streamEnded for the silent publisher', timeoutMs: 15_000 });
    expect(ended.payload['reason']).toBe('timeout');
    expect(client.isClosed).toBe(true);
    expect(await harness.liveState(silent.id)).toBeUndefined();
    await expectOthersUnaffected();
  });

  it.each([
    ['an unknown application', 'other', 'sk_someKeyThatLooksFine'],
    ['an over-long stream name', 'live', `sk_${'x'.repeat(300)}`],
    ['control characters in the stream name', 'live', 'sk_bad\u0001name'],
    ['a name that is not key-shaped', 'live', 'has spaces and $ymbols'],
  ])('refuses %s with NetStream.Publish.BadName, without asking the control plane to look it up', async (_what, app, name) => {
    const before = harness.authorizeRequests;
    const client = await RtmpClientConnection.connect({ host: '127.0.0.1', port: harness.rtmpPort, app });
    const status = await client.publish(await client.createStream(), name);
    client.close();
    expect(status['code']).toBe('NetStream.Publish.BadName');
    expect(harness.authorizeRequests).toBe(before);
  });

  it('refuses connections past the per-address limit at once, and takes them again when slots free up', async () => {
    const held = await Promise.all(Array.from({ length: 4 }, () => RawRtmpPeer.open(harness.rtmpPort, '127.0.0.2')));
    await sleep(200);
    expect(held.every((p) => !p.isClosed)).toBe(true);
    const extra = await RawRtmpPeer.open(harness.rtmpPort, '127.0.0.2');
    expect(await extra.closed).toBeLessThan(1000);
    expect(await harness.metric('mediaplane_ingest_connections_refused_total', { reason: 'too_many_from_address' })).toBeGreaterThanOrEqual(1);
    // Another address is not affected.
    const other = await RawRtmpPeer.open(harness.rtmpPort, '127.0.0.4');
    await sleep(300);
    expect(other.isClosed).toBe(false);
    other.destroy();
    held.forEach((p) => p.destroy());
    await Promise.all(held.map((p) => p.closed));
    await sleep(200);
    const again = await RawRtmpPeer.open(harness.rtmpPort, '127.0.0.2');
    await sleep(300);
    expect(again.isClosed).toBe(false);
    again.destroy();
    await expectOthersUnaffected();
  });

  it('survives a flood of junk connections and keeps serving', async () => {
    const peers = await Promise.all(
      Array.from({ length: 30 }, async (_v, i) => {
        const peer = await RawRtmpPeer.open(harness.rtmpPort, `127.0.1.${i + 1}`);
        peer.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(1536 + 500, i)]));
        return peer;
      }),
    );
    // Each is closed by the server: a bad handshake at once, a half one at the handshake timeout.
    await waitFor(() => peers.every((p) => p.isClosed), { what: 'every junk connection closed by the server', timeoutMs: 10_000 });
    await expectOthersUnaffected();
    expect((await harness.liveState(stream.id))?.media.video).toBeDefined();
  });
});
