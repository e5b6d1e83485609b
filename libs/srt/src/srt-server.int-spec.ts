import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { SrtLinkStatsSchema } from '@mediaplane/contracts';
import {
  ffprobe,
  killAllChildren,
  signalGroup,
  spawnTracked,
  srtConnectProbe,
  stopProcess,
  testSourceArgs,
  uniqueNamespace,
  waitFor,
} from '@mediaplane/testing';
import { ffmpegSrtPublish, srtCallerUrl, srtLiveTransmitPublish } from '../test/srt-peers';
import type { SrtConnection } from './srt-connection';
import { SrtServer, type SrtConnectDecision, type SrtConnectRequest, type SrtServerOptions } from './srt-server';

const TS_PACKET = 188;

interface Received {
  connection: SrtConnection;
  bytes: number;
  firstByte: number | undefined;
  aligned: boolean;
  closeReason: string | undefined;
}

/** An SrtServer on a free port whose connections are recorded. */
async function startServer(decide: (request: SrtConnectRequest) => Promise<SrtConnectDecision>, options: Partial<SrtServerOptions> = {}) {
  const requests: SrtConnectRequest[] = [];
  const server = await SrtServer.listen({ host: '127.0.0.1', port: 0, latencyMs: 120, decisionTimeoutMs: 1000, maxConnections: 20, ...options }, (request) => {
    requests.push(request);
    return decide(request);
  });
  const received: Received[] = [];
  server.on('connection', (connection) => {
    const entry: Received = { connection, bytes: 0, firstByte: undefined, aligned: true, closeReason: undefined };
    received.push(entry);
    connection.on('data', (chunk) => {
      entry.firstByte ??= chunk[0];
      entry.bytes += chunk.length;
      if (chunk.length % TS_PACKET !== 0 || chunk[0] !== 0x47) entry.aligned = false;
    });
    connection.on('close', (reason) => (entry.closeReason = reason));
  });
  servers.push(server);
  return { server, requests, received };
}

const servers: SrtServer[] = [];
const accept = async (): Promise<SrtConnectDecision> => ({ accept: true });

afterEach(async () => {
  await killAllChildren();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('SrtServer (libsrt addon, real callers)', () => {
  it('receives MPEG-TS from FFmpeg after decide saw its streamid and address', async () => {
    const { received, requests } = await startServer(accept);
    const key = uniqueNamespace('key');
    const publisher = ffmpegSrtPublish(srtCallerUrl(servers[0]!.port, `#!::r=live/${key},m=publish`), 20);

    const entry = await waitFor(() => received.find((r) => r.bytes > 50_000), { what: 'TS bytes from FFmpeg', timeoutMs: 30_000 });
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ streamId: `#!::r=live/${key},m=publish`, remoteAddress: '127.0.0.1' });
    expect(requests[0]!.remotePort).toBeGreaterThan(0);
    expect(entry.connection.streamId).toBe(`#!::r=live/${key},m=publish`);
    expect(entry.connection.remotePort).toBe(requests[0]!.remotePort);
    expect(entry.firstByte).toBe(0x47);
    expect(entry.aligned).toBe(true);
    await publisher.stop();
  });

  it('receives MPEG-TS from srt-live-transmit (plain streamid form)', async () => {
    const { received, requests } = await startServer(accept);
    const peer = srtLiveTransmitPublish(srtCallerUrl(servers[0]!.port, `live/${uniqueNamespace('key')}`), 20);
    const entry = await waitFor(() => received.find((r) => r.bytes > 50_000), { what: 'TS bytes from srt-live-transmit', timeoutMs: 30_000 });
    expect(requests[0]!.streamId).toMatch(/^live\/key-/);
    // srt-live-transmit sends what each read of its pipe returned: TS from the start, but its
    // messages need not be whole TS packets (unlike FFmpeg's 1316-byte ones).
    expect(entry.firstByte).toBe(0x47);
    await peer.stop();
  });

  it('answers the handshake with the reject code of the decision (1403, 1409), before any media', async () => {
    const { received } = await startServer(async ({ streamId }) => ({ accept: false, rejectCode: streamId.includes('busy') ? 1409 : 1403 }));
    const port = servers[0]!.port;
    await expect(srtConnectProbe(port, '#!::r=live/unknown,m=publish')).resolves.toMatchObject({ result: 'rejected', code: 1403 });
    await expect(srtConnectProbe(port, '#!::r=live/busy,m=publish')).resolves.toMatchObject({ result: 'rejected', code: 1409 });

    // srt-live-transmit and FFmpeg see the refusal (libsrt prints every listener-defined code the same way).
    // Bounded waits: a refused caller that never exits fails here with its output, not at jest's timeout.
    const peer = srtLiveTransmitPublish(srtCallerUrl(port, '#!::r=live/unknown,m=publish'), 10);
    await exitWithin(peer.exited, () => `srt-live-transmit, refused, did not exit; its output: ${peer.output()}`);
    expect(peer.output()).toMatch(/REJECT reported from HS processing: Application-defined rejection reason/);
    const ffmpeg = ffmpegSrtPublish(srtCallerUrl(port, '#!::r=live/busy,m=publish'), 10);
    expect(await exitWithin(ffmpeg.exited, () => `FFmpeg, refused, did not exit; its stderr: ${ffmpeg.stderr()}`)).not.toBe(0);
    expect(ffmpeg.stderr()).toMatch(/REJECT|Connection to srt:\/\/.* failed/);
    expect(received).toHaveLength(0);
  });

  it('enforces the passphrase and key length set by the decision; latency too', async () => {
    const passphrase = randomBytes(12).toString('base64url');
    const { received } = await startServer(async () => ({ accept: true, passphrase, keyLength: 32, latencyMs: 300 }));
    const port = servers[0]!.port;
    await expect(srtConnectProbe(port, 'live/secret')).resolves.toMatchObject({ result: 'rejected', reason: 'Password required or unexpected' });
    await expect(srtConnectProbe(port, 'live/secret', 'not-the-passphrase')).resolves.toMatchObject({ result: 'rejected', reason: 'Incorrect passphrase' });
    const wrong = srtLiveTransmitPublish(srtCallerUrl(port, 'live/secret', { passphrase: 'not-the-passphrase' }), 10);
    // What is checked is the refusal it reports. Whether it exits afterwards varies (one CI check found it still
    // running at jest's 120 s timeout), so the wait is for its words, bounded, and then it is stopped.
    await waitFor(
      () => {
        if (/Incorrect passphrase/.test(wrong.output())) return true;
        throw new Error(`srt-live-transmit's output so far: ${wrong.output().slice(-600)}`);
      },
      { what: "srt-live-transmit's 'Incorrect passphrase'", timeoutMs: 20_000 },
    );
    await wrong.stop();
    expect(received).toHaveLength(0);

    const publisher = ffmpegSrtPublish(srtCallerUrl(port, 'live/secret', { passphrase, pbkeylen: 32 }), 20);
    const entry = await waitFor(() => received.find((r) => r.bytes > 30_000), { what: 'encrypted publisher data', timeoutMs: 30_000 });
    expect(entry.firstByte).toBe(0x47); // decrypted by libsrt
    expect(entry.connection.stats().latencyMs).toBe(300);
    await publisher.stop();
  });

  it('serves two publishers on one port at once, and several concurrent handshakes', async () => {
    // libsrt asks for the six decisions one after another on its receive thread. In a loaded CI check
    // srt-live-transmit was refused ("REJECT … Application-defined rejection reason") although this
    // decide only ever accepts; a decision lapsing past the 1 s default into 1503 is the likeliest
    // reading (not confirmed: "decisions asked" below will tell), and lapsing is the timeout test's subject.
    const { received, requests } = await startServer(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return { accept: true };
      },
      { decisionTimeoutMs: 5000 },
    );
    const port = servers[0]!.port;
    const a = ffmpegSrtPublish(srtCallerUrl(port, 'live/a'), 20);
    const b = srtLiveTransmitPublish(srtCallerUrl(port, 'live/b'), 20);
    const probes = await Promise.all([1, 2, 3, 4].map((n) => srtConnectProbe(port, `live/probe-${n}`)));
    expect(probes.every((p) => p.result === 'connected')).toBe(true);
    await waitFor(
      () => {
        if (['live/a', 'live/b'].every((id) => received.some((r) => r.connection.streamId === id && r.bytes > 30_000))) return true;
        // What a timeout needs to say where it stopped: the connections seen, and what each publisher printed.
        // libsrt's own counters tell "nothing arrived" from "arrived and not delivered to us".
        const seen = received.map((r) => {
          const link = r.connection.stats();
          return `${r.connection.streamId} ${r.bytes} B${r.closeReason ? ` (closed: ${r.closeReason})` : ` (libsrt: ${link.packetsReceived} packets in, ${link.receiveBufferMs} ms buffered)`}`;
        });
        throw new Error(
          `connections [${seen.join('; ')}]; decisions asked [${requests.map((r) => r.streamId).join(', ')}]; FFmpeg: ${a.stderr().slice(-600)}; srt-live-transmit: ${b.output().slice(-600)}`,
        );
      },
      { what: 'data from both publishers', timeoutMs: 30_000 },
    );
    const ids = new Set(received.map((r) => r.connection.id));
    expect(ids.size).toBe(received.length);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('rejects with 1503 when decide does not answer in time, and keeps serving', async () => {
    const { received } = await startServer(async ({ streamId }) => (streamId === 'live/slow' ? new Promise<never>(() => undefined) : { accept: true }), {
      decisionTimeoutMs: 800,
    });
    const port = servers[0]!.port;
    const started = Date.now();
    await expect(srtConnectProbe(port, 'live/slow')).resolves.toMatchObject({ result: 'rejected', code: 1503 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    await expect(srtConnectProbe(port, 'live/fine')).resolves.toEqual({ result: 'connected' });
    await waitFor(() => received.length === 1 && received[0]!.closeReason, { what: 'the probe connection to close' });
  });

  it('reports every caller that leaves right after its handshake as closed (none stays open unseen)', async () => {
    // A caller gone before the server's accept broke its socket before the epoll watched it; libsrt
    // reports no error for that, so the server must look itself. Concurrent probes make it likely:
    // before the fix about 1 in 15 of these stayed open for ever.
    const { server, received } = await startServer(accept, { maxConnections: 50 });
    for (let round = 0; round < 6; round++) {
      const probes = await Promise.all([1, 2, 3, 4, 5].map((n) => srtConnectProbe(server.port, `live/leaver-${n}`)));
      expect(probes.every((p) => p.result === 'connected')).toBe(true);
    }
    await waitFor(() => received.length === 30 && received.every((r) => r.closeReason), {
      what: 'all 30 probe connections to be reported closed',
      timeoutMs: 20_000,
    });
    expect(server.connectionCount).toBe(0);
  });

  it('refuses callers beyond maxConnections with 1402 without asking decide', async () => {
    const { requests, received } = await startServer(accept, { maxConnections: 1 });
    const port = servers[0]!.port;
    const publisher = ffmpegSrtPublish(srtCallerUrl(port, 'live/first'), 20);
    await waitFor(() => received[0]?.bytes, { what: 'the first publisher', timeoutMs: 30_000 });
    await expect(srtConnectProbe(port, 'live/second')).resolves.toMatchObject({ result: 'rejected', code: 1402 });
    expect(requests.map((r) => r.streamId)).toEqual(['live/first']);
    await publisher.stop();
  });

  it('sends TS a player reads (m=request): ffprobe sees H.264 over SRT', async () => {
    const writes = { ok: 0, full: 0 };
    const { server } = await startServer(accept);
    // A live TS source (FFmpeg to stdout) that the server writes to every player, 1316 bytes at a time.
    const source = spawnTracked(
      'ffmpeg',
      [...testSourceArgs({ width: 320, height: 180, fps: 25, videoBitrateKbps: 300, audio: false, durationSec: 30 }), '-f', 'mpegts', 'pipe:1'],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const players = new Set<SrtConnection>();
    server.on('connection', (connection) => {
      players.add(connection);
      connection.on('close', () => players.delete(connection));
    });
    let pending = Buffer.alloc(0);
    source.stdout!.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const whole = pending.length - (pending.length % 1316);
      for (const player of players) {
        if (player.write(pending.subarray(0, whole))) writes.ok++;
        else writes.full++;
      }
      pending = pending.subarray(whole);
    });
    const probed = await ffprobe(srtCallerUrl(server.port, '#!::r=live/x,m=request'), [], 30_000);
    expect(probed.streams.map((s) => s.codec_name)).toContain('h264');
    expect(writes.ok).toBeGreaterThan(0);
    await stopProcess(source, 2000);
  });

  it('reports sane link statistics', async () => {
    const { received } = await startServer(accept);
    const publisher = ffmpegSrtPublish(srtCallerUrl(servers[0]!.port, 'live/stats'), 20);
    const entry = await waitFor(() => received.find((r) => r.bytes > 100_000), { what: 'data', timeoutMs: 30_000 });
    const stats = SrtLinkStatsSchema.parse(entry.connection.stats());
    expect(stats.packetsReceived).toBeGreaterThan(50);
    expect(stats.rttMs).toBeLessThan(1000);
    expect(stats.receiveRateKbps).toBeGreaterThan(0);
    expect(stats.latencyMs).toBe(120);
    expect(stats.receiveBufferMs).toBeLessThanOrEqual(1000);
    expect(entry.connection.trafficStats().bytesReceived).toBeGreaterThan(100_000);
    await publisher.stop();
  });

  it('survives garbage datagrams and a caller killed mid-stream', async () => {
    const { received } = await startServer(accept);
    const port = servers[0]!.port;
    const publisher = ffmpegSrtPublish(srtCallerUrl(port, 'live/victim'), 30);
    const victim = await waitFor(() => received.find((r) => r.bytes > 20_000), { what: 'the publisher', timeoutMs: 30_000 });

    // Random datagrams, and random ones shaped like SRT control packets (handshakes to socket 0,
    // anything to the live connection's id) at the same port.
    const udp = createSocket('udp4');
    for (let i = 0; i < 400; i++) {
      const packet = randomBytes(Math.floor(Math.random() * 1500));
      if (packet.length >= 16 && i % 2 === 0) {
        packet[0] = 0x80; // control bit
        packet.writeUInt32BE(i % 4 === 0 ? 0 : victim.connection.id >>> 0, 12);
      }
      await new Promise<void>((resolve) => udp.send(packet, port, '127.0.0.1', () => resolve()));
    }
    udp.close();
    const before = victim.bytes;
    await waitFor(() => victim.bytes > before + 20_000, { what: 'the publisher to keep flowing after garbage' });

    signalGroup(publisher.process, 'SIGKILL');
    await waitFor(() => victim.closeReason, { what: 'the killed caller to time out', timeoutMs: 30_000 });
    expect(victim.closeReason).toMatch(/broken/);
    await expect(srtConnectProbe(port, 'live/after')).resolves.toEqual({ result: 'connected' });
  });

  it('close() during a pending decision refuses it at once and closes live connections', async () => {
    let decideCalled = 0;
    const { server, received } = await startServer(
      async ({ streamId }) => {
        decideCalled++;
        return streamId === 'live/pending' ? new Promise<never>(() => undefined) : { accept: true };
      },
      { decisionTimeoutMs: 20_000 },
    );
    const publisher = ffmpegSrtPublish(srtCallerUrl(server.port, 'live/live'), 30);
    await waitFor(() => received[0]?.bytes, { what: 'a live connection', timeoutMs: 30_000 });
    const probe = srtConnectProbe(server.port, 'live/pending');
    await waitFor(() => decideCalled === 2, { what: 'the pending decision' });
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(probe).resolves.toMatchObject({ result: 'rejected', code: 1503 });
    expect(received[0]!.closeReason).toBe('server closed');
    expect(received[0]!.connection.isClosed).toBe(true);
    expect(await publisher.exited).not.toBeNull();
  });
});

/** The exit code, or a failure with `describe()` when the process is still running after 30 s. */
async function exitWithin(exited: Promise<number | null>, describe: () => string): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(describe())), 30_000);
  });
  try {
    return await Promise.race([exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
