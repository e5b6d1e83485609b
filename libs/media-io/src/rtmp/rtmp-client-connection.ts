import { EventEmitter } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { amf0Properties, type Amf0Value } from '@mediaplane/codecs';
import { RtmpChunkReader, type RtmpChunkReaderLimits } from './rtmp-chunk-reader';
import { RtmpChunkWriter } from './rtmp-chunk-writer';
import { RtmpClientHandshake, type RtmpClientHandshakeOptions } from './rtmp-client-handshake';
import { createRtmpCommandMessage, createRtmpDataMessage, parseRtmpCommand } from './rtmp-command-messages';
import { RtmpChunkStreamId, RtmpMessageType } from './rtmp-constants';
import { createSetChunkSizeMessage, createUserControlMessage, parseUserControlMessage } from './rtmp-control-messages';
import { RtmpProtocolError } from './rtmp-errors';
import type { RtmpMessage } from './rtmp-message';

export interface RtmpClientConnectionOptions {
  host: string;
  port: number;
  app: string;
  /** Defaults to rtmp://host:port/app. */
  tcUrl?: string;
  handshake?: RtmpClientHandshakeOptions;
  /** Chunk size announced after connect. Default 4096 (OBS/FFmpeg value). */
  chunkSize?: number;
  chunkLimits?: Partial<RtmpChunkReaderLimits>;
  /**
   * Extra connect command object properties, e.g. E-RTMP's
   * `fourCcList: ['hvc1', 'Opus']` to announce the codecs this client takes.
   */
  connectProperties?: Record<string, Amf0Value>;
  /** Reject pending calls and connect after this long. Default 10 s. */
  timeoutMs?: number;
  /** RTMPS: TLS to `host` (its certificate checked against the system's CAs and the name). */
  tls?: boolean;
}

export interface RtmpCallResult {
  /** '_result' or '_error'. */
  name: string;
  commandObject: Amf0Value;
  args: Amf0Value[];
}

export interface RtmpClientConnectionEvents {
  /** Every message the server sends (after handshake), including the ones handled internally. */
  message: [message: RtmpMessage];
  /** onStatus on any stream. */
  status: [streamId: number, info: Record<string, Amf0Value>];
  error: [error: Error];
  close: [];
}

/**
 * Minimal RTMP(S) client (publish/play): the handshake, connect,
 * createStream, publish/play, answering pings, raw messages. Tests,
 * benchmarks and the restream worker's E-RTMP push (which FFmpeg 5.1 cannot
 * write) use it; ingest's own server side is RtmpServerConnection.
 */
export class RtmpClientConnection extends EventEmitter<RtmpClientConnectionEvents> {
  private readonly reader: RtmpChunkReader;
  private readonly writer = new RtmpChunkWriter();
  private readonly handshake: RtmpClientHandshake;
  private readonly pending = new Map<number, { resolve: (r: RtmpCallResult) => void; reject: (e: Error) => void }>();
  private readonly timeoutMs: number;
  private nextTransactionId = 2;
  private handshakeDone = false;
  private readonly handshakeWaiters: (() => void)[] = [];
  private closed = false;
  /** The server's connect `_result` properties (fmsVer, capabilities, E-RTMP fourCcList, ...). */
  serverProperties: Record<string, Amf0Value> = {};

  private constructor(
    readonly socket: Socket,
    options: RtmpClientConnectionOptions,
  ) {
    super();
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.reader = new RtmpChunkReader(options.chunkLimits);
    this.handshake = new RtmpClientHandshake(options.handshake);
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => this.onData(data));
    socket.on('error', (error) => this.shutdown(error));
    socket.on('close', () => this.shutdown(new Error('connection closed')));
  }

  /** Connects, handshakes and sends `connect`; resolves once NetConnection.Connect.Success arrives. */
  static async connect(options: RtmpClientConnectionOptions): Promise<RtmpClientConnection> {
    const socket = options.tls
      ? tlsConnect({ host: options.host, port: options.port, servername: options.host })
      : netConnect({ host: options.host, port: options.port });
    const client = new RtmpClientConnection(socket, options);
    await new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', resolve);
      socket.once('error', reject);
    });
    socket.write(client.handshake.start());
    await client.handshaken();
    const tcUrl = options.tcUrl ?? `rtmp://${options.host}:${options.port}/${options.app}`;
    const result = await client.call('connect', {
      app: options.app,
      flashVer: 'FMLE/3.0 (compatible; mediaplane)',
      tcUrl,
      fpad: false,
      capabilities: 15,
      audioCodecs: 4071,
      videoCodecs: 252,
      videoFunction: 1,
      ...options.connectProperties,
    });
    const info = amf0Properties(result.args[0] ?? null);
    if (result.name !== '_result' || info?.['code'] !== 'NetConnection.Connect.Success') {
      client.close();
      throw new Error(`connect failed: ${String(info?.['code'])} ${String(info?.['description'])}`);
    }
    client.serverProperties = amf0Properties(result.commandObject) ?? {};
    const chunkSize = options.chunkSize ?? 4096;
    client.sendMessage(createSetChunkSizeMessage(chunkSize), RtmpChunkStreamId.Protocol);
    client.writer.setChunkSize(chunkSize);
    return client;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Calls a NetConnection method and waits for its _result/_error. */
  call(name: string, commandObject: Amf0Value, ...args: Amf0Value[]): Promise<RtmpCallResult> {
    const transactionId = name === 'connect' ? 1 : this.nextTransactionId++;
    return new Promise<RtmpCallResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(transactionId);
        reject(new Error(`${name}: no reply within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(transactionId, {
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.sendMessage(createRtmpCommandMessage(0, name, transactionId, commandObject, ...args), RtmpChunkStreamId.Command);
    });
  }

  async createStream(): Promise<number> {
    const result = await this.call('createStream', null);
    const id = result.args[0];
    if (result.name !== '_result' || typeof id !== 'number') throw new Error('createStream failed');
    return id;
  }

  /** Sends publish and resolves with the first onStatus on that stream (check its level/code). */
  publish(streamId: number, streamName: string, type = 'live'): Promise<Record<string, Amf0Value>> {
    const status = this.nextStatus(streamId);
    this.sendMessage(createRtmpCommandMessage(streamId, 'publish', 0, null, streamName, type), RtmpChunkStreamId.Command);
    return status;
  }

  /** Sends play and resolves with the first onStatus on that stream (NetStream.Play.Reset on success). */
  play(streamId: number, streamName: string): Promise<Record<string, Amf0Value>> {
    const status = this.nextStatus(streamId);
    this.sendMessage(createRtmpCommandMessage(streamId, 'play', 0, null, streamName, -2), RtmpChunkStreamId.Command);
    return status;
  }

  /** Sends @setDataFrame onMetaData like an encoder. */
  sendMetadata(streamId: number, metadata: Amf0Value): boolean {
    return this.sendMessage(createRtmpDataMessage(streamId, 0, '@setDataFrame', 'onMetaData', metadata), RtmpChunkStreamId.Data);
  }

  sendMedia(streamId: number, typeId: number, timestamp: number, payload: Buffer): boolean {
    const csid = typeId === RtmpMessageType.Audio ? RtmpChunkStreamId.Audio : RtmpChunkStreamId.Video;
    return this.sendMessage({ typeId, streamId, timestamp, payload }, csid);
  }

  sendMessage(message: RtmpMessage, csid: number): boolean {
    if (this.closed) return false;
    return this.socket.write(this.writer.encode(message, csid));
  }

  /** Writes raw bytes (for hostile-peer tests). */
  sendRaw(bytes: Buffer): boolean {
    return this.closed ? false : this.socket.write(bytes);
  }

  close(): void {
    this.socket.end();
    this.shutdown(new Error('closed by client'));
  }

  private handshaken(): Promise<void> {
    if (this.handshakeDone) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onClose = (): void => {
        clearTimeout(timer);
        reject(new Error('closed during handshake'));
      };
      const timer = setTimeout(() => {
        this.off('close', onClose);
        reject(new Error(`handshake: no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.once('close', onClose);
      this.handshakeWaiters.push(() => {
        clearTimeout(timer);
        this.off('close', onClose);
        resolve();
      });
    });
  }

  private nextStatus(streamId: number): Promise<Record<string, Amf0Value>> {
    return new Promise((resolve, reject) => {
      const settle = (error: Error | undefined, info?: Record<string, Amf0Value>): void => {
        clearTimeout(timer);
        this.off('status', onStatus);
        this.off('close', onClose);
        if (error) reject(error);
        else resolve(info ?? {});
      };
      const timer = setTimeout(() => settle(new Error(`no onStatus on stream ${streamId} within ${this.timeoutMs} ms`)), this.timeoutMs);
      const onStatus = (id: number, info: Record<string, Amf0Value>): void => {
        if (id === streamId) settle(undefined, info);
      };
      const onClose = (): void => settle(new Error(`connection closed before onStatus on stream ${streamId}`));
      this.on('status', onStatus);
      this.on('close', onClose);
    });
  }

  private onData(data: Buffer): void {
    try {
      let chunkBytes = data;
      if (!this.handshakeDone) {
        const progress = this.handshake.push(data);
        if (progress.output) this.socket.write(progress.output);
        if (!progress.done) return;
        this.handshakeDone = true;
        for (const resolve of this.handshakeWaiters.splice(0)) resolve();
        chunkBytes = progress.remainder;
      }
      this.reader.push(chunkBytes);
      for (let message = this.reader.read(); message; message = this.closed ? undefined : this.reader.read()) {
        this.onMessage(message);
      }
    } catch (error) {
      this.shutdown(error instanceof Error ? error : new Error(String(error)));
      this.socket.destroy();
    }
  }

  private onMessage(message: RtmpMessage): void {
    this.emit('message', message);
    if (message.typeId === RtmpMessageType.UserControl) {
      const event = parseUserControlMessage(message.payload);
      if (event.type === 'pingRequest') {
        this.sendMessage(createUserControlMessage({ type: 'pingResponse', timestamp: event.timestamp }), RtmpChunkStreamId.Protocol);
      }
      return;
    }
    if (message.typeId !== RtmpMessageType.CommandAmf0) return;
    const command = parseRtmpCommand(message);
    if (command.name === '_result' || command.name === '_error') {
      const call = this.pending.get(command.transactionId);
      this.pending.delete(command.transactionId);
      call?.resolve({ name: command.name, commandObject: command.commandObject, args: command.args });
    } else if (command.name === 'onStatus') {
      const info = amf0Properties(command.args[0] ?? null);
      if (info === undefined) throw new RtmpProtocolError('command-invalid', 'onStatus without info object');
      this.emit('status', message.streamId, info);
    }
  }

  private shutdown(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
    if (this.listenerCount('error') > 0 && error.message !== 'closed by client' && error.message !== 'connection closed') {
      this.emit('error', error);
    }
    this.emit('close');
  }
}
