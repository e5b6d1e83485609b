import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { RtmpChunkReader, type RtmpChunkReaderLimits } from './rtmp-chunk-reader';
import { RtmpChunkWriter } from './rtmp-chunk-writer';
import { RtmpChunkStreamId, RtmpMessageType } from './rtmp-constants';
import {
  createAcknowledgementMessage,
  createSetChunkSizeMessage,
  createSetPeerBandwidthMessage,
  createUserControlMessage,
  createWindowAckSizeMessage,
  parseControlUint32,
  parseUserControlMessage,
} from './rtmp-control-messages';
import { RtmpProtocolError, type RtmpErrorCode } from './rtmp-errors';
import type { RtmpHandshakeResult } from './rtmp-handshake-types';
import type { RtmpMessage } from './rtmp-message';
import type { RtmpCloseInfo } from './rtmp-server-connection-types';
import { RtmpServerHandshake, type RtmpServerHandshakeOptions } from './rtmp-server-handshake';
import type { RtmpServerLimits } from './rtmp-server-options';

/** What the transport hands up to the connection: everything above the chunk stream. */
export interface RtmpTransportEvents {
  handshake(result: RtmpHandshakeResult): void;
  /** A message that is not protocol control (commands, media, data, aggregates, …). */
  message(message: RtmpMessage): void;
  drain(): void;
  /** A failure is about to close the connection (reported before `closed`). */
  failing(error: Error): void;
  closed(info: RtmpCloseInfo): void;
}

/**
 * The byte side of a server connection: handshake, chunk stream in and out,
 * protocol control (acknowledgements, window, pings), timeouts and write
 * limits, and the socket's lifecycle. Knows nothing of commands or streams.
 *
 * Every failure (bad bytes, exceeded limits, timeouts, socket errors, a
 * throwing handler) closes only this connection; nothing throws out of
 * socket callbacks.
 */
export class RtmpServerTransport {
  private readonly handshake: RtmpServerHandshake;
  private readonly reader: RtmpChunkReader;
  private readonly writer = new RtmpChunkWriter();
  private readonly createdAt = Date.now();

  private phase: 'handshake' | 'open' | 'closed' = 'handshake';
  private received = 0;
  private lastAckAt = 0;
  /** Acknowledgement window the client asked for (its Window Ack Size); 0 = no acks. */
  private ackWindow = 0;
  private peerAcked = 0;
  private lastReceiveAt = Date.now();
  private lastPingAt = 0;
  private closeInfo: RtmpCloseInfo | undefined;

  private handshakeTimer: NodeJS.Timeout | undefined;
  private setupTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private destroyTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Duplex,
    private readonly limits: RtmpServerLimits,
    private readonly events: RtmpTransportEvents,
    options: { handshake?: RtmpServerHandshakeOptions; chunkLimits?: Partial<RtmpChunkReaderLimits> } = {},
  ) {
    this.handshake = new RtmpServerHandshake(options.handshake);
    this.reader = new RtmpChunkReader(options.chunkLimits);

    (socket as Partial<Socket>).setNoDelay?.(true);
    socket.on('data', this.onData);
    socket.on('error', this.onSocketError);
    socket.on('end', this.onSocketEnd);
    socket.on('close', this.onSocketClose);
    socket.on('drain', this.onSocketDrain);

    this.handshakeTimer = this.startTimer(limits.handshakeTimeoutMs, 'handshake-timeout', 'handshake timeout');
    this.setupTimer = this.startTimer(limits.setupTimeoutMs, 'setup-timeout', 'no publish or play in time');
    if (limits.idleTimeoutMs > 0) {
      const tick = Math.max(50, Math.floor(limits.idleTimeoutMs / 4));
      this.idleTimer = setInterval(this.onIdleTick, tick).unref();
    }
  }

  get isClosed(): boolean {
    return this.phase === 'closed';
  }

  get isHandshaking(): boolean {
    return this.phase === 'handshake';
  }

  get remoteAddress(): string | undefined {
    return (this.socket as Partial<Socket>).remoteAddress;
  }

  get chunkSize(): number {
    return this.writer.chunkSize;
  }

  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  get bytesReceived(): number {
    return this.received;
  }

  get bytesAcknowledgedByPeer(): number {
    return this.peerAcked;
  }

  get closeReason(): RtmpCloseInfo | undefined {
    return this.closeInfo;
  }

  /** After a successful connect: our window, the peer's bandwidth, and our (larger) chunk size. */
  sendSessionParameters(): void {
    this.sendControl(createWindowAckSizeMessage(this.limits.windowAckSize));
    this.sendControl(createSetPeerBandwidthMessage(this.limits.peerBandwidth, 'dynamic'));
    this.sendControl(createSetChunkSizeMessage(this.limits.chunkSize));
    this.writer.setChunkSize(this.limits.chunkSize);
  }

  /** A publish or play arrived: the setup timeout no longer applies. */
  markSetupDone(): void {
    this.clearTimer('setupTimer');
  }

  sendControl(message: RtmpMessage): boolean {
    return this.send(message, RtmpChunkStreamId.Protocol);
  }

  send(message: RtmpMessage, csid: number): boolean {
    if (this.isClosed) return false;
    return this.write(this.writer.encode(message, csid));
  }

  /**
   * The socket, for media chunked elsewhere (see RtmpServerConnection.encodedMediaOutput). From here on the
   * writer sends every message on the media chunk streams with a full header, so those bytes never contradict
   * what it assumes the peer remembers.
   */
  encodedMediaOutput(): Duplex {
    this.writer.shareChunkStreams([RtmpChunkStreamId.Audio, RtmpChunkStreamId.Data, RtmpChunkStreamId.Video]);
    return this.socket;
  }

  /** Batches several small writes into one TCP segment where the socket supports it. */
  withCork(fn: () => void): void {
    this.socket.cork();
    try {
      fn();
    } finally {
      this.socket.uncork();
    }
  }

  /** Graceful end: written bytes are flushed, then the socket ends (destroyed after closeGraceMs). */
  close(reason: string): void {
    this.finish({ reason }, false);
  }

  fail(error: unknown): void {
    if (this.isClosed) return;
    const err = error instanceof Error ? error : new Error(`non-error thrown: ${String(error)}`);
    this.events.failing(err);
    this.finish({ reason: err instanceof RtmpProtocolError ? err.message : `internal error: ${err.message}`, error: err }, true);
  }

  // ---- socket callbacks (arrow properties so they can be removed) ----

  private readonly onData = (data: Buffer): void => {
    if (this.isClosed) return;
    this.received += data.length;
    this.lastReceiveAt = Date.now();
    try {
      let chunkBytes: Buffer = data;
      if (this.phase === 'handshake') {
        const progress = this.handshake.push(data);
        if (progress.output) this.write(progress.output);
        if (!progress.done) return;
        this.clearTimer('handshakeTimer');
        this.phase = 'open';
        this.events.handshake(progress.result);
        chunkBytes = progress.remainder;
      }
      this.reader.push(chunkBytes);
      this.maybeAcknowledge();
      for (;;) {
        if (this.isClosed) return;
        const message = this.reader.read();
        if (message === undefined) return;
        this.onMessage(message);
      }
    } catch (error) {
      this.fail(error);
    }
  };

  private readonly onSocketError = (error: Error): void => {
    // Transport errors (ECONNRESET, EPIPE) are ordinary disconnects, not protocol errors: no 'error' event.
    const code = (error as NodeJS.ErrnoException).code;
    this.finish({ reason: `socket error${code ? `: ${code}` : ''}`, error }, true);
  };

  private readonly onSocketEnd = (): void => {
    this.finish({ reason: 'peer closed' }, false);
  };

  private readonly onSocketClose = (): void => {
    if (this.destroyTimer) clearTimeout(this.destroyTimer);
    this.finish({ reason: 'socket closed' }, true);
  };

  private readonly onSocketDrain = (): void => {
    if (!this.isClosed) this.events.drain();
  };

  private readonly onIdleTick = (): void => {
    if (this.isClosed) return;
    const now = Date.now();
    const silence = now - this.lastReceiveAt;
    const idleMs = this.limits.idleTimeoutMs;
    if (silence >= idleMs) {
      this.fail(new RtmpProtocolError('idle-timeout', `no data from peer for ${silence} ms`));
    } else if (this.phase !== 'handshake' && silence >= idleMs / 2 && now - this.lastPingAt >= idleMs / 2) {
      this.lastPingAt = now;
      this.sendControl(createUserControlMessage({ type: 'pingRequest', timestamp: (now - this.createdAt) >>> 0 }));
    }
  };

  // ---- protocol control ----

  private maybeAcknowledge(): void {
    if (this.ackWindow > 0 && this.received - this.lastAckAt >= this.ackWindow) {
      this.lastAckAt = this.received;
      this.sendControl(createAcknowledgementMessage(this.received));
    }
  }

  private onMessage(message: RtmpMessage): void {
    switch (message.typeId) {
      case RtmpMessageType.SetChunkSize:
      case RtmpMessageType.Abort:
        return; // applied by the chunk reader
      case RtmpMessageType.Acknowledgement:
        this.peerAcked = parseControlUint32(message.payload, 'Acknowledgement');
        return;
      case RtmpMessageType.WindowAckSize:
        this.ackWindow = parseControlUint32(message.payload, 'Window Acknowledgement Size');
        return;
      case RtmpMessageType.UserControl: {
        const event = parseUserControlMessage(message.payload);
        if (event.type === 'pingRequest') this.sendControl(createUserControlMessage({ type: 'pingResponse', timestamp: event.timestamp }));
        return;
      }
      default:
        this.events.message(message);
    }
  }

  // ---- output and lifecycle ----

  private write(bytes: Buffer): boolean {
    if (this.isClosed || this.socket.destroyed) return false;
    const belowHighWaterMark = this.socket.write(bytes);
    if (this.socket.writableLength > this.limits.maxWriteBufferBytes) {
      this.fail(
        new RtmpProtocolError(
          'write-buffer-overflow',
          `peer is not reading: ${this.socket.writableLength} bytes queued (limit ${this.limits.maxWriteBufferBytes})`,
        ),
      );
      return false;
    }
    return belowHighWaterMark;
  }

  private finish(info: RtmpCloseInfo, destroy: boolean): void {
    if (this.phase === 'closed') {
      if (destroy && !this.socket.destroyed) this.socket.destroy();
      return;
    }
    this.phase = 'closed';
    this.closeInfo = info;
    this.clearTimer('handshakeTimer');
    this.clearTimer('setupTimer');
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.idleTimer = undefined;
    this.socket.off('data', this.onData);
    this.socket.off('drain', this.onSocketDrain);
    // Keep an error listener: an unhandled socket 'error' after close would crash the process.
    if (destroy) {
      this.socket.destroy();
    } else {
      this.socket.end();
      this.destroyTimer = setTimeout(() => this.socket.destroy(), this.limits.closeGraceMs).unref();
    }
    this.events.closed(info);
  }

  private startTimer(ms: number, code: RtmpErrorCode, message: string): NodeJS.Timeout | undefined {
    if (ms <= 0) return undefined;
    return setTimeout(() => this.fail(new RtmpProtocolError(code, `${message} (${ms} ms)`)), ms).unref();
  }

  private clearTimer(name: 'handshakeTimer' | 'setupTimer'): void {
    const timer = this[name];
    if (timer) clearTimeout(timer);
    this[name] = undefined;
  }
}
