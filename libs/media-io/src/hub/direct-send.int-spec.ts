import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { FlvDemuxer } from '@mediaplane/codecs';
import { waitFor } from '@mediaplane/testing';
import { loadDirectSender, type DirectSender } from './direct-send';
import { flvHubEncoder } from './flv-hub-encoder';
import { idleSocketFd, type HubSink } from './hub-sink';
import { StreamHub } from './stream-hub';
import { testFrames } from './testing/hub-test-frames';

const EAGAIN = -11;

/** An HTTP-FLV-like sink on a real socket (the ingest's HttpFlvSink, without HTTP). */
class TcpSink implements HubSink {
  readonly releasesWrittenBytes = true;
  direct = 0;

  constructor(private readonly socket: Socket) {}

  write(data: Buffer | readonly Buffer[]): void {
    if (this.socket.destroyed) return;
    for (const chunk of Buffer.isBuffer(data) ? [data] : data) this.socket.write(chunk);
  }

  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  directFd(): number {
    return idleSocketFd(this.socket);
  }

  sentDirectly(bytes: number): void {
    this.direct += bytes;
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('the fan-out addon on real sockets', () => {
  let sender: DirectSender;
  let server: Server;
  const accepted: Socket[] = [];
  const clients: Socket[] = [];

  /** A connected pair: the server's end (the viewer's socket in the ingest) and the client's. */
  const connect = async (): Promise<{ serverEnd: Socket; client: Socket }> => {
    const port = (server.address() as { port: number }).port;
    const client = createConnection({ host: '127.0.0.1', port });
    clients.push(client);
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    const serverEnd = await waitFor(async () => accepted.find((s) => s.remotePort === client.localPort), { timeoutMs: 5000, what: 'the server to accept' });
    return { serverEnd, client };
  };
  const collect = (client: Socket): Buffer[] => {
    const chunks: Buffer[] = [];
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    return chunks;
  };

  beforeAll(async () => {
    const loaded = loadDirectSender();
    if (!loaded) throw new Error('the fan-out addon is not built: source tools/scripts/lib/system-deps.sh && ensure_fanout_addon (npm test does it)');
    sender = loaded;
    server = createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const socket of [...accepted, ...clients]) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('writes the same bytes to every socket in one call and says what each took', async () => {
    const pairs = await Promise.all([connect(), connect(), connect()]);
    const received = pairs.map(({ client }) => collect(client));
    const bytes = Buffer.from('the same live batch for every viewer');
    const results = new Int32Array(3);
    sender.sendToAll(Int32Array.from(pairs.map(({ serverEnd }) => idleSocketFd(serverEnd))), bytes, results);
    expect([...results]).toEqual([bytes.length, bytes.length, bytes.length]);
    for (const chunks of received)
      await waitFor(async () => (Buffer.concat(chunks).equals(bytes) ? true : undefined), { timeoutMs: 5000, what: 'the bytes to arrive' });
  });

  it('takes part of a batch, then refuses with EAGAIN, when the viewer does not read; and answers a closed peer with an error, not a signal', async () => {
    const { serverEnd, client } = await connect();
    client.pause();
    const fd = idleSocketFd(serverEnd);
    const batch = Buffer.alloc(256 * 1024, 0x41);
    const results = new Int32Array(1);
    const seen: number[] = [];
    for (let i = 0; i < 200 && !seen.includes(EAGAIN); i++) {
      sender.sendToAll(Int32Array.of(fd), batch, results);
      seen.push(results[0] as number);
    }
    expect(seen).toContain(EAGAIN);
    expect(seen.some((n) => n > 0 && n < batch.length)).toBe(true);

    client.destroy();
    const errno = await waitFor(
      async () => {
        sender.sendToAll(Int32Array.of(fd), batch, results);
        const n = results[0] as number;
        return n < 0 && n !== EAGAIN ? n : undefined;
      },
      { timeoutMs: 5000, what: 'the write to a closed peer to fail' },
    );
    expect([-32, -104]).toContain(errno); // EPIPE or ECONNRESET
  });

  it('refuses arguments of the wrong kind with a clear error', () => {
    expect(() => sender.sendToAll([1] as unknown as Int32Array, Buffer.alloc(1), new Int32Array(1))).toThrow(/fds must be an Int32Array/);
    expect(() => sender.sendToAll(Int32Array.of(1), 'text' as unknown as Uint8Array, new Int32Array(1))).toThrow(/bytes must be a Uint8Array/);
    expect(() => sender.sendToAll(Int32Array.of(1, 2), Buffer.alloc(1), new Int32Array(1))).toThrow(/as long as fds/);
  });

  it('gives no descriptor while anything is queued on the socket, it is corked or it is gone', async () => {
    const { serverEnd, client } = await connect();
    expect(idleSocketFd(serverEnd)).toBeGreaterThan(2);
    serverEnd.cork();
    expect(idleSocketFd(serverEnd)).toBe(-1);
    serverEnd.uncork();
    client.pause();
    while (serverEnd.writableLength === 0) serverEnd.write(Buffer.alloc(1 << 20));
    expect(idleSocketFd(serverEnd)).toBe(-1);
    serverEnd.destroy();
    expect(idleSocketFd(serverEnd)).toBe(-1);
  });

  it("a hub sending directly keeps every viewer's stream whole: a slow reader skips whole frames, never part of one", async () => {
    // The addon as it is, recording what each socket took, to know the slow viewer's sends were cut short.
    const taken: number[] = [];
    const recording: DirectSender = {
      sendToAll: (fds, bytes, results) => {
        sender.sendToAll(fds, bytes, results);
        for (const n of results) taken.push(n - bytes.length);
      },
    };
    const hub = new StreamHub({ maxViewerQueueBytes: 1 << 20, viewerStallTimeoutMs: 60_000, gopCacheMaxBytes: 16 << 20, directSender: recording });
    hub.pushMetadata(0, testFrames.metadata());
    hub.pushMedia('video', 0, testFrames.videoConfig());
    hub.pushMedia('audio', 0, testFrames.audioConfig());
    hub.pushMedia('video', 0, testFrames.keyframe(400_000));
    const viewers = await Promise.all([connect(), connect()]);
    const sinks = viewers.map(({ serverEnd }) => new TcpSink(serverEnd));
    const received = viewers.map(({ client }) => collect(client));
    sinks.forEach((sink, i) => hub.addViewer({ id: `v${i}`, protocol: 'flv', counted: true, encoder: flvHubEncoder, sink }));
    const slow = viewers[1]?.client as Socket;
    slow.pause();
    let ts = 0;
    for (let gop = 0; gop < 7; gop++) {
      for (let i = 0; i < 15; i++) {
        ts += 40;
        hub.pushMedia('video', ts, i === 0 ? testFrames.keyframe(400_000) : testFrames.interframe(300_000));
        hub.pushMedia('audio', ts + 10, testFrames.audio(300));
        hub.flush();
        // As fast as the loop goes while the slow viewer does not read; then at a pace it can follow, so it rejoins.
        await new Promise((resolve) => (gop < 4 ? setImmediate(resolve) : setTimeout(resolve, 20)));
      }
      // ~18 MB while it does not read: more than the kernel's socket buffers and the hub's queue bound hold.
      if (gop === 3) slow.resume();
    }
    const lastTag = (chunks: Buffer[]) => new FlvDemuxer().push(Buffer.concat(chunks)).at(-1)?.timestamp;
    await waitFor(async () => (received.every((chunks) => lastTag(chunks) === ts + 10) ? true : undefined), {
      timeoutMs: 15_000,
      what: 'both viewers to receive the last frame',
    });
    const [fastTags, slowTags] = received.map((chunks) => new FlvDemuxer().push(Buffer.concat(chunks)));
    // The reading viewer may skip too on a loaded machine (its queue bound is 1 MB); what it gets must still be whole.
    for (const tag of (fastTags ?? []).filter((t) => t.type === 9 && t.data[1] === 0x01)) expect([5 + 400_000, 5 + 300_000]).toContain(tag.data.length);
    expect(sinks[0]?.direct).toBeGreaterThan(0);
    // The slow viewer skipped frames while it did not read, and went on at a keyframe: every tag it got is whole.
    expect(slowTags?.length).toBeLessThan(fastTags?.length as number);
    const slowVideo = (slowTags ?? []).filter((t) => t.type === 9 && t.data[1] === 0x01);
    for (const tag of slowVideo) expect(tag.data.length === 5 + 400_000 || tag.data.length === 5 + 300_000).toBe(true);
    expect(hub.stats().droppedFrames).toBeGreaterThan(0);
    // Some direct sends to it were cut short (the rest went through its socket's queue) or refused.
    expect(taken.some((shortBy) => shortBy < 0)).toBe(true);
    hub.close('done');
  });
});
