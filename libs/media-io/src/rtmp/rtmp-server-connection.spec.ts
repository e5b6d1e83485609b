import { once } from 'node:events';
import { connect as netConnect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Amf0EcmaArray, decodeAmf0, encodeAmf0, type Amf0Value } from '@mediaplane/codecs';
import { RtmpClientConnection } from './rtmp-client-connection';
import { RtmpClientHandshake } from './rtmp-client-handshake';
import { encodeRtmpMessageChunks } from './rtmp-chunk-writer';
import { parseRtmpCommand } from './rtmp-command-messages';
import { RtmpChunkStreamId, RtmpMessageType } from './rtmp-constants';
import { createUserControlMessage, createWindowAckSizeMessage, parseUserControlMessage } from './rtmp-control-messages';
import { RtmpProtocolError } from './rtmp-errors';
import type { RtmpMessage } from './rtmp-message';
import { RtmpServerConnection } from './rtmp-server-connection';
import type { RtmpCloseInfo, RtmpMediaMessage, RtmpMetadata, RtmpServerConnectionOptions } from './rtmp-server-connection-types';

interface TestServer {
  port: number;
  /** Resolves with the next server-side connection. */
  nextConnection(): Promise<RtmpServerConnection>;
}

let server: Server;
let connectionOptions: RtmpServerConnectionOptions = {};
let setup: (connection: RtmpServerConnection) => void = () => undefined;
let waiting: ((connection: RtmpServerConnection) => void)[] = [];
let queued: RtmpServerConnection[] = [];
let testServer: TestServer;
const clients: { close(): void }[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    const connection = new RtmpServerConnection(socket, connectionOptions);
    setup(connection);
    const waiter = waiting.shift();
    if (waiter) waiter(connection);
    else queued.push(connection);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  testServer = {
    port: (server.address() as AddressInfo).port,
    nextConnection: () => {
      const ready = queued.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
    },
  };
});

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
  connectionOptions = {};
  setup = () => undefined;
  waiting = [];
  queued = [];
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function connectClient(app = 'live'): Promise<RtmpClientConnection> {
  const client = await RtmpClientConnection.connect({ host: '127.0.0.1', port: testServer.port, app, timeoutMs: 3000 });
  clients.push(client);
  return client;
}

function rawSocket(): Promise<Socket> {
  const socket = netConnect({ host: '127.0.0.1', port: testServer.port });
  socket.on('error', () => undefined);
  clients.push({ close: () => socket.destroy() });
  return once(socket, 'connect').then(() => socket);
}

function closeOf(connection: RtmpServerConnection): Promise<RtmpCloseInfo> {
  // Not events.once(): it would also subscribe to (and reject on) 'error'.
  return connection.isClosed ? Promise.resolve(connection.closeReason as RtmpCloseInfo) : new Promise((resolve) => connection.once('close', resolve));
}

/** Messages the client receives, decoded enough to assert on. */
function record(client: RtmpClientConnection): { messages: RtmpMessage[]; describe(): string[] } {
  const messages: RtmpMessage[] = [];
  client.on('message', (m) => messages.push(m));
  return {
    messages,
    describe: () =>
      messages.map((m) => {
        if (m.typeId === RtmpMessageType.UserControl) return `uc:${parseUserControlMessage(m.payload).type}`;
        if (m.typeId === RtmpMessageType.CommandAmf0) {
          const c = parseRtmpCommand(m);
          const info = c.args[0];
          const code = info && typeof info === 'object' && 'code' in info ? `:${String(info.code)}` : '';
          return `cmd:${c.name}${code}`;
        }
        if (m.typeId === RtmpMessageType.DataAmf0) return `data:${String(decodeAmf0(m.payload)[0])}`;
        return `type:${m.typeId}`;
      }),
  };
}

const until = async (check: () => boolean, ms = 2000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('RtmpServerConnection', () => {
  describe('publishing', () => {
    it('answers connect with window ack size, peer bandwidth, chunk size and NetConnection.Connect.Success', async () => {
      const serverSide = testServer.nextConnection();
      const client = await connectClient('live?tenant=t1');
      const connection = await serverSide;
      expect(connection.state).toBe('connected');
      expect(connection.connectInfo).toMatchObject({ app: 'live', tcUrl: `rtmp://127.0.0.1:${testServer.port}/live?tenant=t1` });
      expect(connection.connectInfo?.appQuery.get('tenant')).toBe('t1');
      expect(connection.handshakeResult?.mode).toBe('simple');
      expect(connection.chunkSize).toBe(4096);
      expect(client.isClosed).toBe(false);
    });

    it("exchanges E-RTMP capabilities: the client's fourCcList in connectInfo, the server's in its _result", async () => {
      const serverSide = testServer.nextConnection();
      const client = await RtmpClientConnection.connect({
        host: '127.0.0.1',
        port: testServer.port,
        app: 'live',
        timeoutMs: 3000,
        connectProperties: { fourCcList: ['hvc1', 'Opus'], capsEx: 1 },
      });
      clients.push(client);
      const connection = await serverSide;
      expect(connection.connectInfo?.enhanced).toMatchObject({ fourCcList: ['hvc1', 'Opus'], capsEx: 1 });
      expect(client.serverProperties['fourCcList']).toEqual(expect.arrayContaining(['hvc1', 'av01', 'vp09', 'Opus']));
      expect(client.serverProperties['fmsVer']).toBe('FMS/3,0,1,123');
    });

    it('asks for a publish decision, then sends Stream Begin and NetStream.Publish.Start', async () => {
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      const connection = await serverSide;
      const log = record(client);
      connection.on('publish', (request) => {
        expect(request).toMatchObject({ app: 'live', streamName: 'key', publishType: 'live', streamId: 1 });
        expect(request.query.get('token')).toBe('secret');
        setTimeout(() => request.accept(), 10); // asynchronous decision
      });
      const streamId = await client.createStream();
      expect(streamId).toBe(1);
      const status = await client.publish(streamId, 'key?token=secret');
      expect(status).toMatchObject({ level: 'status', code: 'NetStream.Publish.Start' });
      expect(log.describe().slice(-2)).toEqual(['uc:streamBegin', 'cmd:onStatus:NetStream.Publish.Start']);
    });

    it('surfaces metadata without @setDataFrame and media payloads exactly as sent', async () => {
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      const connection = await serverSide;
      connection.on('publish', (r) => r.accept());
      const metadata: RtmpMetadata[] = [];
      const media: RtmpMediaMessage[] = [];
      connection.on('metadata', (m) => metadata.push(m));
      connection.on('media', (m) => media.push(m));
      const id = await client.createStream();
      await client.publish(id, 'key');
      client.sendMetadata(id, new Amf0EcmaArray({ width: 1280, height: 720 }));
      const video = Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0]), Buffer.alloc(10_000, 1)]);
      client.sendMedia(id, RtmpMessageType.Video, 0, video);
      client.sendMedia(id, RtmpMessageType.Audio, 23, Buffer.from([0xaf, 0x00, 0x12, 0x10]));
      await until(() => media.length === 2);
      expect(metadata[0]?.properties).toEqual({ width: 1280, height: 720 });
      expect(decodeAmf0(metadata[0]?.payload ?? Buffer.alloc(0))).toEqual(['onMetaData', new Amf0EcmaArray({ width: 1280, height: 720 })]);
      expect(media[0]).toEqual({ type: 'video', streamId: id, timestamp: 0, payload: video });
      expect(media[1]).toEqual({ type: 'audio', streamId: id, timestamp: 23, payload: Buffer.from([0xaf, 0x00, 0x12, 0x10]) });
    });

    it('unpacks aggregate messages into media events', async () => {
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      const connection = await serverSide;
      connection.on('publish', (r) => r.accept());
      const media: RtmpMediaMessage[] = [];
      connection.on('media', (m) => media.push(m));
      const id = await client.createStream();
      await client.publish(id, 'key');
      const tag = (typeId: number, time: number, data: number[]): Buffer => {
        const header = Buffer.alloc(11);
        header[0] = typeId;
        header.writeUIntBE(data.length, 1, 3);
        header.writeUIntBE(time, 4, 3);
        return Buffer.concat([header, Buffer.from(data), Buffer.alloc(4)]);
      };
      const payload = Buffer.concat([tag(9, 0, [0x17, 1, 0, 0, 0]), tag(8, 21, [0xaf, 1])]);
      client.sendMessage({ typeId: RtmpMessageType.Aggregate, streamId: id, timestamp: 1000, payload }, RtmpChunkStreamId.Video);
      await until(() => media.length === 2);
      expect(media.map((m) => [m.type, m.timestamp, m.payload.length])).toEqual([
        ['video', 1000, 5],
        ['audio', 1021, 2],
      ]);
    });

    it('drops media sent before the publish was accepted', async () => {
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      const connection = await serverSide;
      const media: RtmpMediaMessage[] = [];
      connection.on('media', (m) => media.push(m));
      connection.on('publish', (request) => setTimeout(() => request.accept(), 50));
      const id = await client.createStream();
      const started = client.publish(id, 'key');
      client.sendMedia(id, RtmpMessageType.Video, 0, Buffer.from([0x17, 0]));
      await started;
      client.sendMedia(id, RtmpMessageType.Video, 40, Buffer.from([0x27, 1]));
      await until(() => media.length === 1);
      expect(media[0]?.timestamp).toBe(40);
    });

    it('answers releaseStream, FCPublish, getStreamLength and _checkbw', async () => {
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      await serverSide;
      const log = record(client);
      expect((await client.call('releaseStream', null, 'key')).name).toBe('_result');
      expect((await client.call('FCPublish', null, 'key')).name).toBe('_result');
      expect(log.describe()).toContain('cmd:onFCPublish:NetStream.Publish.Start');
      expect((await client.call('getStreamLength', null, 'key')).args).toEqual([0]);
      expect((await client.call('_checkbw', null)).name).toBe('_result');
    });

    it('reports the end of a publish once, whether by FCUnpublish, deleteStream or close', async () => {
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      const connection = await serverSide;
      connection.on('publish', (r) => r.accept());
      const ends: string[] = [];
      connection.on('unpublish', (info) => ends.push(`${info.streamName}:${info.reason}`));
      const id = await client.createStream();
      await client.publish(id, 'key');
      await client.call('FCUnpublish', null, 'key');
      client.sendMessage(
        { typeId: RtmpMessageType.CommandAmf0, streamId: 0, timestamp: 0, payload: encodeAmf0('deleteStream', 0, null, id) },
        RtmpChunkStreamId.Command,
      );
      const id2 = await client.createStream();
      await client.publish(id2, 'other');
      client.close();
      await closeOf(connection);
      expect(ends).toEqual(['key:FCUnpublish', 'other:close']);
    });

    it.each([
      ['without options', undefined, 'NetStream.Publish.BadName', 'Publish rejected.'],
      ['with a custom code', { code: 'NetStream.Publish.Denied', description: 'bad key' }, 'NetStream.Publish.Denied', 'bad key'],
    ])('rejects a publish %s: error onStatus, then close', async (_how, options, code, description) => {
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      const connection = await serverSide;
      connection.on('publish', (request) => request.reject(options));
      const status = await client.publish(await client.createStream(), 'key');
      expect(status).toMatchObject({ level: 'error', code, description });
      const info = await closeOf(connection);
      expect(info.reason).toContain(code);
      await until(() => client.isClosed);
    });

    it('rejects a publish when nobody listens for publish events', async () => {
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      await serverSide;
      expect(await client.publish(await client.createStream(), 'key')).toMatchObject({ code: 'NetStream.Publish.BadName' });
    });

    it.each(['../etc', 'a/b', 'x'.repeat(300), 'a\u0000b'])('rejects the invalid stream name %j without asking', async (name) => {
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      const connection = await serverSide;
      const asked = jest.fn();
      connection.on('publish', asked);
      expect(await client.publish(await client.createStream(), name)).toMatchObject({ level: 'error', code: 'NetStream.Publish.BadName' });
      expect(asked).not.toHaveBeenCalled();
      await closeOf(connection);
    });

    it('rejects publish on a stream id that was never created', async () => {
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      await serverSide;
      expect(await client.publish(7, 'key')).toMatchObject({ level: 'error' });
    });
  });

  describe('playing', () => {
    it('sends Stream Begin, Play.Reset, Play.Start and |RtmpSampleAccess on accept, then media', async () => {
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      const connection = await serverSide;
      const log = record(client);
      connection.on('play', (request) => {
        expect(request).toMatchObject({ streamName: 'show', start: -2, streamId: 1 });
        request.accept();
      });
      const id = await client.createStream();
      const first = await client.play(id, 'show');
      expect(first).toMatchObject({ code: 'NetStream.Play.Reset' });
      await until(() => log.messages.length >= 4);
      expect(log.describe().slice(-4)).toEqual([
        'uc:streamBegin',
        'cmd:onStatus:NetStream.Play.Reset',
        'cmd:onStatus:NetStream.Play.Start',
        'data:|RtmpSampleAccess',
      ]);
      expect(connection.playStreamId).toBe(id);

      const audio = Buffer.from([0xaf, 1, 2, 3]);
      expect(connection.sendMedia(RtmpMessageType.Audio, 100, audio)).toBe(true);
      const video = Buffer.alloc(9000, 7);
      const chunks = encodeRtmpMessageChunks(
        { typeId: RtmpMessageType.Video, streamId: id, timestamp: 120, payload: video },
        connection.chunkSize,
        RtmpChunkStreamId.Video,
      );
      connection.encodedMediaOutput().write(chunks);
      // After pre-encoded bytes the connection's own messages on that chunk stream must not lean on what it sent before.
      expect(connection.sendMedia(RtmpMessageType.Video, 160, Buffer.from([0x27, 1]))).toBe(true);
      expect(typeof connection.bufferedBytes).toBe('number');
      await until(() => log.messages.filter((m) => m.typeId === 8 || m.typeId === 9).length === 3);
      const media = log.messages.filter((m) => m.typeId === 8 || m.typeId === 9);
      expect(media.map((m) => [m.typeId, m.streamId, m.timestamp, m.payload.length])).toEqual([
        [8, id, 100, 4],
        [9, id, 120, 9000],
        [9, id, 160, 2],
      ]);
      expect(media[1]?.payload.equals(video)).toBe(true);

      connection.notifyUnpublished();
      await until(() => log.describe().includes('cmd:onStatus:NetStream.Play.UnpublishNotify'));
      expect(log.describe()).toContain('uc:streamEof');
    });

    it('rejects a play with NetStream.Play.StreamNotFound by default', async () => {
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      const connection = await serverSide;
      connection.on('play', (request) => setTimeout(() => request.reject(), 5));
      expect(await client.play(await client.createStream(), 'missing')).toMatchObject({ level: 'error', code: 'NetStream.Play.StreamNotFound' });
      await closeOf(connection);
    });

    it('ignores sendMedia without an accepted play, and decisions after close', async () => {
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      const connection = await serverSide;
      expect(connection.sendMedia(RtmpMessageType.Audio, 0, Buffer.from([1]))).toBe(false);
      let accept: (() => void) | undefined;
      connection.on('play', (request) => (accept = request.accept));
      void client.play(await client.createStream(), 'x').catch(() => undefined);
      await until(() => accept !== undefined);
      connection.close('test');
      expect(() => accept?.()).not.toThrow();
      expect(connection.playStreamId).toBeUndefined();
    });

    it('closes a viewer whose socket buffer exceeds maxWriteBufferBytes', async () => {
      connectionOptions = { maxWriteBufferBytes: 256 * 1024 };
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      const connection = await serverSide;
      connection.on('play', (r) => r.accept());
      await client.play(await client.createStream(), 'x');
      client.socket.pause(); // a viewer that stops reading
      const payload = Buffer.alloc(64 * 1024);
      for (let i = 0; i < 2000 && !connection.isClosed; i++) {
        connection.sendMedia(RtmpMessageType.Video, i, payload);
        if (connection.bufferedBytes > 0) await new Promise((r) => setImmediate(r));
      }
      const info = await closeOf(connection);
      expect((info.error as RtmpProtocolError).code).toBe('write-buffer-overflow');
    });
  });

  describe('control messages', () => {
    it('answers Ping Request with Ping Response carrying the same timestamp', async () => {
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      await serverSide;
      const log = record(client);
      client.sendMessage(createUserControlMessage({ type: 'pingRequest', timestamp: 4242 }), RtmpChunkStreamId.Protocol);
      await until(() => log.messages.some((m) => m.typeId === RtmpMessageType.UserControl));
      expect(parseUserControlMessage(log.messages[0]?.payload ?? Buffer.alloc(0))).toEqual({ type: 'pingResponse', timestamp: 4242 });
    });

    it('acknowledges received bytes each time the window the client asked for is crossed', async () => {
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      const connection = await serverSide;
      connection.on('publish', (r) => r.accept());
      const log = record(client);
      client.sendMessage(createWindowAckSizeMessage(5000), RtmpChunkStreamId.Protocol);
      const id = await client.createStream();
      await client.publish(id, 'key');
      const ackCount = () => log.messages.filter((m) => m.typeId === RtmpMessageType.Acknowledgement).length;
      // One ack per socket read at most, carrying the running total; so send in two rounds.
      for (let i = 0; i < 2; i++) client.sendMedia(id, RtmpMessageType.Video, i * 40, Buffer.alloc(3000));
      await until(() => ackCount() >= 1);
      for (let i = 2; i < 4; i++) client.sendMedia(id, RtmpMessageType.Video, i * 40, Buffer.alloc(3000));
      await until(() => ackCount() >= 2);
      const acks = log.messages.filter((m) => m.typeId === RtmpMessageType.Acknowledgement).map((m) => m.payload.readUInt32BE(0));
      expect(acks[0]).toBeGreaterThanOrEqual(5000);
      expect((acks[1] ?? 0) - (acks[0] ?? 0)).toBeGreaterThanOrEqual(5000);
      expect(acks[acks.length - 1]).toBeLessThanOrEqual(connection.bytesReceived);
    });

    it('pings a silent client at half the idle timeout and keeps it while it answers', async () => {
      connectionOptions = { idleTimeoutMs: 300 };
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      const connection = await serverSide;
      const log = record(client);
      await new Promise((r) => setTimeout(r, 700));
      expect(connection.isClosed).toBe(false);
      expect(log.messages.some((m) => m.typeId === RtmpMessageType.UserControl)).toBe(true);
    });
  });

  describe('limits and hostile peers', () => {
    it('closes a connection that does not finish the handshake in time', async () => {
      connectionOptions = { handshakeTimeoutMs: 100 };
      const serverSide = testServer.nextConnection();
      const socket = await rawSocket();
      socket.write(Buffer.from([3, 0, 0]));
      const connection = await serverSide;
      const errors: unknown[] = [];
      connection.on('error', (e) => errors.push(e));
      const info = await closeOf(connection);
      expect((info.error as RtmpProtocolError).code).toBe('handshake-timeout');
      expect(errors).toHaveLength(1);
    });

    it('closes a client that completes the handshake and then goes silent without answering pings', async () => {
      connectionOptions = { idleTimeoutMs: 200 };
      const serverSide = testServer.nextConnection();
      const socket = await rawSocket();
      const handshake = new RtmpClientHandshake();
      socket.write(handshake.start());
      socket.on('data', (d: Buffer) => {
        try {
          const step = handshake.push(d);
          if (step.output) socket.write(step.output);
        } catch {
          // later bytes (pings) are ignored on purpose
        }
      });
      const info = await closeOf(await serverSide);
      expect((info.error as RtmpProtocolError).code).toBe('idle-timeout');
    });

    it('closes a client that never publishes or plays', async () => {
      connectionOptions = { setupTimeoutMs: 150 };
      const serverSide = testServer.nextConnection();
      await connectClient();
      const info = await closeOf(await serverSide);
      expect((info.error as RtmpProtocolError).code).toBe('setup-timeout');
    });

    it('rejects non-RTMP traffic at the first byte', async () => {
      const serverSide = testServer.nextConnection();
      const socket = await rawSocket();
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      const info = await closeOf(await serverSide);
      expect((info.error as RtmpProtocolError).code).toBe('handshake-version');
    });

    it('closes only the offending connection on chunk stream garbage', async () => {
      const healthySide = testServer.nextConnection();
      const healthy = await connectClient();
      const healthyConnection = await healthySide;
      const badSide = testServer.nextConnection();
      const bad = await connectClient();
      const badConnection = await badSide;
      const errors: unknown[] = [];
      badConnection.on('error', (e) => errors.push(e));
      bad.sendRaw(Buffer.from([0xc9, 1, 2, 3])); // fmt 3 on a chunk stream that never had a header
      const info = await closeOf(badConnection);
      expect(info.error).toBeInstanceOf(RtmpProtocolError);
      expect(errors[0]).toBe(info.error);
      expect(healthyConnection.isClosed).toBe(false);
      expect((await healthy.call('_checkbw', null)).name).toBe('_result');
    });

    it('closes on an oversized message declared in a header', async () => {
      connectionOptions = { chunkLimits: { maxMessageSize: 1000 } };
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      const connection = await serverSide;
      client.sendMessage({ typeId: 18, streamId: 1, timestamp: 0, payload: Buffer.alloc(2000) }, 5);
      expect(((await closeOf(connection)).error as RtmpProtocolError).code).toBe('message-too-large');
    });

    it('rejects an invalid app with NetConnection.Connect.Rejected', async () => {
      const serverSide = testServer.nextConnection();
      await expect(connectClient('../admin')).rejects.toThrow(/NetConnection.Connect.Rejected/);
      expect(((await closeOf(await serverSide)).error as RtmpProtocolError).code).toBe('name-invalid');
    });

    it('treats commands before connect and a second connect as protocol errors', async () => {
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      const connection = await serverSide;
      void client.call('connect', { app: 'live' }).catch(() => undefined);
      expect(((await closeOf(connection)).error as RtmpProtocolError).code).toBe('command-invalid');
    });

    it('limits the number of streams per connection', async () => {
      connectionOptions = { maxStreams: 2 };
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      const connection = await serverSide;
      await client.createStream();
      await client.createStream();
      await expect(client.createStream()).rejects.toThrow();
      expect(((await closeOf(connection)).error as RtmpProtocolError).code).toBe('too-many-streams');
    });

    it('passes AMF limits to command decoding', async () => {
      connectionOptions = { amfLimits: { maxStringBytes: 16 } };
      const serverSide = testServer.nextConnection();
      await expect(connectClient()).rejects.toThrow();
      expect(((await closeOf(await serverSide)).error as RtmpProtocolError).code).toBe('amf-invalid');
    });

    it('turns a throwing listener into a closed connection instead of an uncaught exception', async () => {
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      const connection = await serverSide;
      connection.on('publish', () => {
        throw new Error('listener bug');
      });
      void client.publish(await client.createStream(), 'key').catch(() => undefined);
      const info = await closeOf(connection);
      expect(info.reason).toContain('listener bug');
    });
  });

  describe('close', () => {
    it('is idempotent and reports the first reason exactly once', async () => {
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      const connection = await serverSide;
      const closes: RtmpCloseInfo[] = [];
      connection.on('close', (info) => closes.push(info));
      connection.close('maintenance');
      connection.close('again');
      await until(() => client.isClosed);
      expect(closes).toEqual([{ reason: 'maintenance' }]);
      expect(connection.state).toBe('closed');
    });

    it('reports a peer disconnect', async () => {
      const serverSide = testServer.nextConnection();
      const client = await connectClient();
      const connection = await serverSide;
      client.close();
      expect((await closeOf(connection)).reason).toBe('peer closed');
    });
  });
});

// Keeps the Amf0Value import meaningful for readers of the helpers above.
export type { Amf0Value };
