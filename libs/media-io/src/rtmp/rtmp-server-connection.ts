import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { amf0Properties, type Amf0Limits, type Amf0Value } from '@mediaplane/codecs';
import { splitRtmpAggregateMessage } from './rtmp-aggregate-message';
import { RtmpChunkReader } from './rtmp-chunk-reader';
import { RtmpChunkWriter, rtmpChunkStreamIdOf } from './rtmp-chunk-writer';
import {
  createRtmpCommandMessage,
  createRtmpDataMessage,
  createRtmpStatusMessage,
  parseRtmpCommand,
  parseRtmpDataMessage,
  truncate,
  type RtmpCommand,
  type RtmpStatusInfo,
} from './rtmp-command-messages';
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
import { RtmpServerHandshake } from './rtmp-server-handshake';
import type {
  RtmpCloseInfo,
  RtmpConnectInfo,
  RtmpPlayRequest,
  RtmpPublishRequest,
  RtmpPublishType,
  RtmpRejectOptions,
  RtmpServerConnectionEvents,
  RtmpServerConnectionOptions,
  RtmpServerConnectionState,
  RtmpStreamEndInfo,
} from './rtmp-server-connection-types';
import { DEFAULT_RTMP_NAME_LIMITS, parseRtmpAppName, parseRtmpStreamName, type RtmpNameLimits } from './rtmp-stream-name';

const DEFAULTS = {
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  setupTimeoutMs: 30_000,
  chunkSize: 4096,
  windowAckSize: 2_500_000,
  peerBandwidth: 2_500_000,
  maxWriteBufferBytes: 32 * 1024 * 1024,
  maxStreams: 8,
  closeGraceMs: 2_000,
} as const;

type NumericOptions = { -readonly [K in keyof typeof DEFAULTS]: number };

/** What a client-created message stream is doing. */
interface StreamSlot {
  state: 'idle' | 'publish-pending' | 'publishing' | 'play-pending' | 'playing';
  name: string;
}

const PUBLISH_TYPES: readonly RtmpPublishType[] = ['live', 'record', 'append', 'appendWithGap'];

/** "@setDataFrame" as an AMF0 string: marker 0x02, u16 length 13, bytes. */
const SET_DATA_FRAME_PREFIX = Buffer.from([0x02, 0x00, 0x0d, ...Buffer.from('@setDataFrame', 'latin1')]);

/**
 * Server side of one RTMP connection: handshake → chunk stream → NetConnection
 * and NetStream commands, for publishers (encoders) and players.
 *
 * Wraps a net.Socket / tls.TLSSocket (any Duplex works). Every failure (bad
 * bytes, exceeded limits, timeouts, socket errors, throwing listeners) closes
 * only this connection and is reported through 'error' and 'close'; nothing
 * throws out of socket callbacks.
 *
 * Writes go straight to the socket; the connection keeps no queue of its
 * own. Servers feeding players should watch `bufferedBytes` (the socket's
 * writableLength) and drop viewers that fall behind; maxWriteBufferBytes is
 * a last-resort cap.
 */
export class RtmpServerConnection extends EventEmitter<RtmpServerConnectionEvents> {
  private readonly options: NumericOptions;
  private readonly amfLimits: Partial<Amf0Limits> | undefined;
  private readonly nameLimits: RtmpNameLimits;
  private readonly handshake: RtmpServerHandshake;
  private readonly reader: RtmpChunkReader;
  private readonly writer = new RtmpChunkWriter();
  private readonly streams = new Map<number, StreamSlot>();
  private readonly createdAt = Date.now();

  private currentState: RtmpServerConnectionState = 'handshake';
  private handshakeInfo: RtmpHandshakeResult | undefined;
  private connectDetails: RtmpConnectInfo | undefined;
  private nextStreamId = 1;
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
    options: RtmpServerConnectionOptions = {},
  ) {
    super();
    this.options = resolveOptions(options);
    this.amfLimits = options.amfLimits;
    this.nameLimits = { ...DEFAULT_RTMP_NAME_LIMITS, ...options.nameLimits };
    this.handshake = new RtmpServerHandshake(options.handshake);
    this.reader = new RtmpChunkReader(options.chunkLimits);

    (socket as Partial<Socket>).setNoDelay?.(true);
    socket.on('data', this.onData);
    socket.on('error', this.onSocketError);
    socket.on('end', this.onSocketEnd);
    socket.on('close', this.onSocketClose);
    socket.on('drain', this.onSocketDrain);

    this.handshakeTimer = this.startTimer(this.options.handshakeTimeoutMs, 'handshake-timeout', 'handshake timeout');
    this.setupTimer = this.startTimer(this.options.setupTimeoutMs, 'setup-timeout', 'no publish or play in time');
    if (this.options.idleTimeoutMs > 0) {
      const tick = Math.max(50, Math.floor(this.options.idleTimeoutMs / 4));
      this.idleTimer = setInterval(this.onIdleTick, tick).unref();
    }
  }

  get state(): RtmpServerConnectionState {
    return this.currentState;
  }

  get isClosed(): boolean {
    return this.currentState === 'closed';
  }

  get remoteAddress(): string | undefined {
    return (this.socket as Partial<Socket>).remoteAddress;
  }

  get handshakeResult(): RtmpHandshakeResult | undefined {
    return this.handshakeInfo;
  }

  get connectInfo(): RtmpConnectInfo | undefined {
    return this.connectDetails;
  }

  /** Chunk size we send with; fan-out bytes from encodeRtmpMessageChunks must use it. */
  get chunkSize(): number {
    return this.writer.chunkSize;
  }

  /** Bytes queued in the socket but not yet handed to the kernel: the backpressure signal. */
  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  /** Total bytes received from the peer (handshake included). */
  get bytesReceived(): number {
    return this.received;
  }

  /** Bytes the peer last acknowledged (its Acknowledgement messages), modulo 2^32. */
  get bytesAcknowledgedByPeer(): number {
    return this.peerAcked;
  }

  /** Stream id of the (first) accepted play, if any. */
  get playStreamId(): number | undefined {
    for (const [id, slot] of this.streams) if (slot.state === 'playing') return id;
    return undefined;
  }

  /**
   * Sends one media or data message to the accepted player. typeId is 8
   * (audio), 9 (video) or 18 (AMF0 data, e.g. onMetaData). Returns false when
   * nothing was written (no accepted play, closed) or when the socket buffer
   * is above its high-water mark (same meaning as socket.write).
   */
  sendMedia(typeId: number, timestamp: number, payload: Buffer, streamId: number | undefined = this.playStreamId): boolean {
    if (this.isClosed || streamId === undefined) return false;
    const csid = mediaChunkStreamId(typeId);
    return this.send({ typeId, streamId, timestamp, payload }, csid);
  }

  /**
   * Writes bytes produced by encodeRtmpMessageChunks (encode once, write to N
   * viewers). They must have been encoded with this connection's chunkSize
   * and the viewer's play stream id. Returns like sendMedia.
   */
  writeEncoded(chunks: Buffer): boolean {
    if (this.isClosed || chunks.length === 0) return false;
    // The fmt 0 header resets the peer's state for that chunk stream; our delta compression must follow.
    const csid = rtmpChunkStreamIdOf(chunks);
    if (csid !== undefined) this.writer.reset(csid);
    return this.write(chunks);
  }

  /** Sends an onStatus on a stream, e.g. NetStream.Play.UnpublishNotify when the source goes away. */
  sendStatus(streamId: number, info: RtmpStatusInfo): boolean {
    return this.send(createRtmpStatusMessage(streamId, info), RtmpChunkStreamId.Command);
  }

  /** Tells a player the source stopped: Stream EOF + NetStream.Play.UnpublishNotify. */
  notifyUnpublished(streamId: number | undefined = this.playStreamId): void {
    if (streamId === undefined) return;
    this.withCork(() => {
      this.sendControl(createUserControlMessage({ type: 'streamEof', streamId }));
      this.sendStatus(streamId, {
        level: 'status',
        code: 'NetStream.Play.UnpublishNotify',
        description: `${this.streams.get(streamId)?.name ?? ''} is now unpublished.`,
      });
    });
  }

  /** Tells a waiting player the source (re)appeared: Stream Begin + NetStream.Play.PublishNotify. */
  notifyPublished(streamId: number | undefined = this.playStreamId): void {
    if (streamId === undefined) return;
    this.withCork(() => {
      this.sendControl(createUserControlMessage({ type: 'streamBegin', streamId }));
      this.sendStatus(streamId, {
        level: 'status',
        code: 'NetStream.Play.PublishNotify',
        description: `${this.streams.get(streamId)?.name ?? ''} is now published.`,
      });
    });
  }

  /**
   * Ends the connection gracefully: already-written bytes are flushed, then
   * the socket is ended (and destroyed after closeGraceMs if the peer lingers).
   * Idempotent; only the first reason is reported.
   */
  close(reason = 'closed by server'): void {
    this.finish({ reason }, false);
  }

  // ---- socket callbacks (arrow properties so they can be removed) ----

  private readonly onData = (data: Buffer): void => {
    if (this.isClosed) return;
    this.received += data.length;
    this.lastReceiveAt = Date.now();
    try {
      let chunkBytes: Buffer = data;
      if (this.currentState === 'handshake') {
        const progress = this.handshake.push(data);
        if (progress.output) this.write(progress.output);
        if (!progress.done) return;
        this.onHandshakeDone(progress.result);
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
    if (!this.isClosed) this.safeEmit('drain');
  };

  private readonly onIdleTick = (): void => {
    if (this.isClosed) return;
    const now = Date.now();
    const silence = now - this.lastReceiveAt;
    if (silence >= this.options.idleTimeoutMs) {
      this.fail(new RtmpProtocolError('idle-timeout', `no data from peer for ${silence} ms`));
    } else if (this.currentState !== 'handshake' && silence >= this.options.idleTimeoutMs / 2 && now - this.lastPingAt >= this.options.idleTimeoutMs / 2) {
      this.lastPingAt = now;
      this.sendControl(createUserControlMessage({ type: 'pingRequest', timestamp: (now - this.createdAt) >>> 0 }));
    }
  };

  // ---- protocol ----

  private onHandshakeDone(result: RtmpHandshakeResult): void {
    this.clearTimer('handshakeTimer');
    this.handshakeInfo = result;
    this.currentState = 'connecting';
    this.safeEmit('handshake', result);
  }

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
      case RtmpMessageType.UserControl:
        return this.onUserControl(message.payload);
      case RtmpMessageType.Audio:
      case RtmpMessageType.Video:
        return this.onMedia(message);
      case RtmpMessageType.DataAmf0:
      case RtmpMessageType.DataAmf3:
        return this.onDataMessage(message);
      case RtmpMessageType.CommandAmf0:
      case RtmpMessageType.CommandAmf3:
        return this.onCommand(parseRtmpCommand(message, this.amfLimits));
      case RtmpMessageType.Aggregate:
        return this.onAggregate(message);
      default:
        // Set Peer Bandwidth, shared objects and unknown types carry nothing we act on.
        return;
    }
  }

  private onUserControl(payload: Buffer): void {
    const event = parseUserControlMessage(payload);
    if (event.type === 'pingRequest') {
      this.sendControl(createUserControlMessage({ type: 'pingResponse', timestamp: event.timestamp }));
    }
  }

  private onMedia(message: RtmpMessage): void {
    // Media before the publish decision (or on other streams) is dropped; real encoders wait for Publish.Start.
    if (this.streams.get(message.streamId)?.state !== 'publishing') return;
    this.safeEmit('media', {
      type: message.typeId === RtmpMessageType.Audio ? 'audio' : 'video',
      streamId: message.streamId,
      timestamp: message.timestamp,
      payload: message.payload,
    });
  }

  private onAggregate(message: RtmpMessage): void {
    if (this.streams.get(message.streamId)?.state !== 'publishing') return;
    for (const part of splitRtmpAggregateMessage(message)) {
      if (this.isClosed) return;
      // Only media and data may be nested; commands or control inside an aggregate are not meaningful.
      if (part.typeId === RtmpMessageType.Audio || part.typeId === RtmpMessageType.Video) this.onMedia(part);
      else if (part.typeId === RtmpMessageType.DataAmf0) this.onDataMessage(part);
    }
  }

  private onDataMessage(message: RtmpMessage): void {
    if (this.streams.get(message.streamId)?.state !== 'publishing') return;
    let data;
    try {
      data = parseRtmpDataMessage(message, this.amfLimits);
    } catch (error) {
      // A broken data message (odd encoders put AMF3 or exotic types in onTextData) should not
      // cost the whole stream its media; it carries nothing we rely on.
      if (error instanceof RtmpProtocolError) return;
      throw error;
    }
    let { name, values } = data;
    // Relayed payloads must be plain AMF0 (type 18): drop the AMF3 format byte if there was one.
    let payload = message.typeId === RtmpMessageType.DataAmf3 && message.payload[0] === 0 ? message.payload.subarray(1) : message.payload;
    if (name === '@setDataFrame') {
      const next = values[0];
      name = typeof next === 'string' ? next : undefined;
      values = typeof next === 'string' ? values.slice(1) : values;
      payload = payload.subarray(0, SET_DATA_FRAME_PREFIX.length).equals(SET_DATA_FRAME_PREFIX) ? payload.subarray(SET_DATA_FRAME_PREFIX.length) : payload;
    }
    if (name === 'onMetaData') {
      const first = values[0];
      const properties = first === undefined ? {} : (amf0Properties(first) ?? {});
      this.safeEmit('metadata', { streamId: message.streamId, timestamp: message.timestamp, properties, payload });
      return;
    }
    this.safeEmit('data', { streamId: message.streamId, timestamp: message.timestamp, name, values, payload });
  }

  private onCommand(command: RtmpCommand): void {
    if (command.name === 'connect') return this.onConnect(command);
    if (this.connectDetails === undefined) {
      throw new RtmpProtocolError('command-invalid', `command ${truncate(command.name)} before connect`);
    }
    switch (command.name) {
      case 'createStream':
        return this.onCreateStream(command);
      case 'publish':
        return this.onPublish(command);
      case 'play':
        return this.onPlay(command);
      case 'FCPublish':
        return this.onFcPublish(command);
      case 'FCUnpublish':
        return this.onFcUnpublish(command);
      case 'releaseStream':
      case '_checkbw':
        return this.replyResult(command.transactionId, undefined);
      case 'getStreamLength':
        // Live streams have no length; FFmpeg asks before playing and only logs the answer.
        return this.replyResult(command.transactionId, 0);
      case 'closeStream':
        return this.endStream(command.streamId, 'closeStream', false);
      case 'deleteStream': {
        const id = command.args[0];
        if (typeof id === 'number') this.endStream(id, 'deleteStream', true);
        return;
      }
      case '_result':
      case '_error':
      case 'onStatus':
        return; // replies to calls we never make, or client-side notifications
      default:
        // Not answered with _error on purpose: FFmpeg aborts on _error for calls it tracks.
        this.safeEmit('command', command);
    }
  }

  private onConnect(command: RtmpCommand): void {
    if (this.connectDetails !== undefined) throw new RtmpProtocolError('command-invalid', 'second connect on one connection');
    const object = amf0Properties(command.commandObject);
    const rawApp = object?.['app'];
    if (object === undefined || typeof rawApp !== 'string') {
      throw new RtmpProtocolError('command-invalid', 'connect without an app');
    }
    let app;
    try {
      app = parseRtmpAppName(rawApp, this.nameLimits);
    } catch (error) {
      if (!(error instanceof RtmpProtocolError)) throw error;
      this.send(
        createRtmpCommandMessage(0, '_error', command.transactionId, null, {
          level: 'error',
          code: 'NetConnection.Connect.Rejected',
          description: error.message,
        }),
        RtmpChunkStreamId.Command,
      );
      this.fail(error);
      return;
    }
    const info: RtmpConnectInfo = {
      app: app.name,
      appQuery: app.query,
      tcUrl: optionalString(object['tcUrl']),
      flashVer: optionalString(object['flashVer']),
      swfUrl: optionalString(object['swfUrl']),
      pageUrl: optionalString(object['pageUrl']),
      commandObject: object,
    };
    this.connectDetails = info;
    this.currentState = 'connected';
    this.withCork(() => {
      this.sendControl(createWindowAckSizeMessage(this.options.windowAckSize));
      this.sendControl(createSetPeerBandwidthMessage(this.options.peerBandwidth, 'dynamic'));
      this.sendControl(createSetChunkSizeMessage(this.options.chunkSize));
      this.writer.setChunkSize(this.options.chunkSize);
      this.send(
        createRtmpCommandMessage(
          0,
          '_result',
          command.transactionId,
          { fmsVer: 'FMS/3,0,1,123', capabilities: 31, mode: 1 },
          {
            level: 'status',
            code: 'NetConnection.Connect.Success',
            description: 'Connection succeeded.',
            // We only speak AMF0, so we never echo a client's request for AMF3.
            objectEncoding: 0,
          },
        ),
        RtmpChunkStreamId.Command,
      );
    });
    this.safeEmit('connect', info);
  }

  private onCreateStream(command: RtmpCommand): void {
    if (this.streams.size >= this.options.maxStreams) {
      this.send(
        createRtmpCommandMessage(0, '_error', command.transactionId, null, {
          level: 'error',
          code: 'NetConnection.Call.Failed',
          description: `at most ${this.options.maxStreams} streams per connection`,
        }),
        RtmpChunkStreamId.Command,
      );
      throw new RtmpProtocolError('too-many-streams', `client created more than ${this.options.maxStreams} streams`);
    }
    // Ids start at 1 on every connection, so all viewers of one stream share the id and fan-out bytes match.
    const id = this.nextStreamId++;
    this.streams.set(id, { state: 'idle', name: '' });
    this.replyResult(command.transactionId, id);
  }

  private onFcPublish(command: RtmpCommand): void {
    const name = command.args[0];
    this.withCork(() => {
      if (typeof name === 'string') {
        this.send(
          createRtmpCommandMessage(0, 'onFCPublish', 0, null, {
            level: 'status',
            code: 'NetStream.Publish.Start',
            description: name,
          }),
          RtmpChunkStreamId.Command,
        );
      }
      this.replyResult(command.transactionId, undefined);
    });
  }

  private onFcUnpublish(command: RtmpCommand): void {
    const raw = command.args[0];
    const name = typeof raw === 'string' ? raw.split('?')[0] : undefined;
    for (const [id, slot] of this.streams) {
      if (slot.state === 'publishing' && slot.name === name) this.endStream(id, 'FCUnpublish', false);
    }
    this.withCork(() => {
      if (typeof raw === 'string') {
        this.send(
          createRtmpCommandMessage(0, 'onFCUnpublish', 0, null, {
            level: 'status',
            code: 'NetStream.Unpublish.Success',
            description: raw.slice(0, 256),
          }),
          RtmpChunkStreamId.Command,
        );
      }
      this.replyResult(command.transactionId, undefined);
    });
  }

  private onPublish(command: RtmpCommand): void {
    const connect = this.connectDetails as RtmpConnectInfo;
    const streamId = command.streamId;
    this.markSetupDone();
    const rawType = command.args[1];
    const failCode = 'NetStream.Publish.BadName';
    const claimed = this.claimStreamSlot(streamId, command.args[0], failCode, 'publish-pending');
    if (!claimed) return;
    const { slot, parsed } = claimed;
    const publishType = PUBLISH_TYPES.find((t) => t === rawType) ?? 'live';
    let decided = false;
    const request: RtmpPublishRequest = {
      app: connect.app,
      appQuery: connect.appQuery,
      tcUrl: connect.tcUrl,
      streamName: parsed.name,
      query: parsed.query,
      streamId,
      publishType,
      accept: () => {
        if (decided || this.isClosed || slot.state !== 'publish-pending') return;
        decided = true;
        slot.state = 'publishing';
        this.withCork(() => {
          this.sendControl(createUserControlMessage({ type: 'streamBegin', streamId }));
          this.sendStatus(streamId, {
            level: 'status',
            code: 'NetStream.Publish.Start',
            description: `${parsed.name} is now published.`,
            details: parsed.name,
          });
        });
      },
      reject: (options?: RtmpRejectOptions) => {
        if (decided) return;
        decided = true;
        this.rejectStream(streamId, { code: options?.code ?? failCode, description: options?.description ?? 'Publish rejected.' });
      },
    };
    if (!this.safeEmit('publish', request)) request.reject({ description: 'No publish handler.' });
  }

  private onPlay(command: RtmpCommand): void {
    const connect = this.connectDetails as RtmpConnectInfo;
    const streamId = command.streamId;
    this.markSetupDone();
    const [rawName, rawStart, rawDuration, rawReset] = command.args;
    const failCode = 'NetStream.Play.StreamNotFound';
    const claimed = this.claimStreamSlot(streamId, rawName, failCode, 'play-pending');
    if (!claimed) return;
    const { slot, parsed } = claimed;
    let decided = false;
    const request: RtmpPlayRequest = {
      app: connect.app,
      appQuery: connect.appQuery,
      tcUrl: connect.tcUrl,
      streamName: parsed.name,
      query: parsed.query,
      streamId,
      start: typeof rawStart === 'number' ? rawStart : -2,
      duration: typeof rawDuration === 'number' ? rawDuration : -1,
      reset: typeof rawReset === 'boolean' ? rawReset : true,
      accept: () => {
        if (decided || this.isClosed || slot.state !== 'play-pending') return;
        decided = true;
        slot.state = 'playing';
        this.withCork(() => {
          this.sendControl(createUserControlMessage({ type: 'streamBegin', streamId }));
          this.sendStatus(streamId, {
            level: 'status',
            code: 'NetStream.Play.Reset',
            description: `Playing and resetting ${parsed.name}.`,
            details: parsed.name,
          });
          this.sendStatus(streamId, {
            level: 'status',
            code: 'NetStream.Play.Start',
            description: `Started playing ${parsed.name}.`,
            details: parsed.name,
          });
          // Lets Flash-based players access the raw audio/video data.
          this.send(createRtmpDataMessage(streamId, 0, '|RtmpSampleAccess', true, true), RtmpChunkStreamId.Data);
        });
      },
      reject: (options?: RtmpRejectOptions) => {
        if (decided) return;
        decided = true;
        this.rejectStream(streamId, { code: options?.code ?? failCode, description: options?.description ?? 'Play rejected.' });
      },
    };
    if (!this.safeEmit('play', request)) request.reject({ description: 'No play handler.' });
  }

  /** Sends an error onStatus for the stream, then closes the connection gracefully. */
  /**
   * Common first step of publish and play: the stream id must have been
   * created and be idle, and the name must pass the name limits. Rejects the
   * stream with `failCode` otherwise.
   */
  private claimStreamSlot(
    streamId: number,
    rawName: unknown,
    failCode: string,
    pending: 'publish-pending' | 'play-pending',
  ): { slot: StreamSlot; parsed: ReturnType<typeof parseRtmpStreamName> } | undefined {
    const slot = this.streams.get(streamId);
    if (slot === undefined || slot.state !== 'idle') {
      this.rejectStream(streamId, { code: failCode, description: `stream ${streamId} was not created or is in use` });
      return undefined;
    }
    if (typeof rawName !== 'string') {
      this.rejectStream(streamId, { code: failCode, description: 'missing stream name' });
      return undefined;
    }
    try {
      const parsed = parseRtmpStreamName(rawName, this.nameLimits);
      slot.state = pending;
      slot.name = parsed.name;
      return { slot, parsed };
    } catch (error) {
      if (!(error instanceof RtmpProtocolError)) throw error;
      this.rejectStream(streamId, { code: failCode, description: error.message });
      return undefined;
    }
  }

  private rejectStream(streamId: number, options: Required<RtmpRejectOptions>): void {
    if (this.isClosed) return;
    const slot = this.streams.get(streamId);
    if (slot !== undefined) slot.state = 'idle';
    this.sendStatus(streamId, { level: 'error', code: options.code, description: options.description });
    this.close(`rejected (${options.code}): ${options.description}`);
  }

  /** Ends a publish/play on a stream; `remove` also frees the stream id (deleteStream). */
  private endStream(streamId: number, reason: RtmpStreamEndInfo['reason'], remove: boolean): void {
    const slot = this.streams.get(streamId);
    if (slot === undefined) return;
    const wasState = slot.state;
    slot.state = 'idle';
    if (remove) this.streams.delete(streamId);
    const info: RtmpStreamEndInfo = { streamId, streamName: slot.name, reason };
    if (wasState === 'publishing') this.safeEmit('unpublish', info);
    else if (wasState === 'playing') this.safeEmit('playStop', info);
  }

  private markSetupDone(): void {
    this.clearTimer('setupTimer');
  }

  // ---- output ----

  private replyResult(transactionId: number, value: Amf0Value): void {
    // Transaction id 0 means the client expects no answer.
    if (transactionId === 0) return;
    this.send(createRtmpCommandMessage(0, '_result', transactionId, null, value), RtmpChunkStreamId.Command);
  }

  private sendControl(message: RtmpMessage): boolean {
    return this.send(message, RtmpChunkStreamId.Protocol);
  }

  private send(message: RtmpMessage, csid: number): boolean {
    if (this.isClosed) return false;
    return this.write(this.writer.encode(message, csid));
  }

  private write(bytes: Buffer): boolean {
    if (this.isClosed || this.socket.destroyed) return false;
    const belowHighWaterMark = this.socket.write(bytes);
    if (this.socket.writableLength > this.options.maxWriteBufferBytes) {
      this.fail(
        new RtmpProtocolError(
          'write-buffer-overflow',
          `peer is not reading: ${this.socket.writableLength} bytes queued (limit ${this.options.maxWriteBufferBytes})`,
        ),
      );
      return false;
    }
    return belowHighWaterMark;
  }

  /** Batches several small writes into one TCP segment where the socket supports it. */
  private withCork(fn: () => void): void {
    this.socket.cork();
    try {
      fn();
    } finally {
      this.socket.uncork();
    }
  }

  // ---- lifecycle ----

  private fail(error: unknown): void {
    if (this.isClosed) return;
    const err = error instanceof Error ? error : new Error(`non-error thrown: ${String(error)}`);
    if (this.listenerCount('error') > 0) {
      try {
        this.emit('error', err);
      } catch {
        // A throwing error listener must not escape into the socket callback.
      }
    }
    this.finish({ reason: err instanceof RtmpProtocolError ? err.message : `internal error: ${err.message}`, error: err }, true);
  }

  private finish(info: RtmpCloseInfo, destroy: boolean): void {
    if (this.currentState === 'closed') {
      if (destroy && !this.socket.destroyed) this.socket.destroy();
      return;
    }
    this.currentState = 'closed';
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
      this.destroyTimer = setTimeout(() => this.socket.destroy(), this.options.closeGraceMs).unref();
    }
    for (const [streamId, slot] of this.streams) {
      if (slot.state === 'publishing' || slot.state === 'playing') this.endStream(streamId, 'close', false);
    }
    this.safeEmit('close', info);
  }

  /** Reason the connection closed, once it has. */
  get closeReason(): RtmpCloseInfo | undefined {
    return this.closeInfo;
  }

  /**
   * emit() that turns a throwing listener into a connection failure instead
   * of an exception inside a socket callback.
   */
  private safeEmit<K extends keyof RtmpServerConnectionEvents>(event: K, ...args: RtmpServerConnectionEvents[K]): boolean {
    try {
      return (this.emit as (event: K, ...args: RtmpServerConnectionEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      if (event === 'close') return true;
      this.fail(error);
      return true;
    }
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

function mediaChunkStreamId(typeId: number): number {
  switch (typeId) {
    case RtmpMessageType.Audio:
      return RtmpChunkStreamId.Audio;
    case RtmpMessageType.Video:
      return RtmpChunkStreamId.Video;
    case RtmpMessageType.DataAmf0:
      return RtmpChunkStreamId.Data;
    default:
      throw new RangeError(`sendMedia supports audio (8), video (9) and AMF0 data (18), got type ${typeId}`);
  }
}

function optionalString(value: Amf0Value): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function resolveOptions(options: RtmpServerConnectionOptions): NumericOptions {
  const resolved: NumericOptions = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS) as (keyof NumericOptions)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`RtmpServerConnectionOptions.${key} must be >= 0, got ${value}`);
    resolved[key] = value;
  }
  if (!Number.isInteger(resolved.chunkSize) || resolved.chunkSize < 1 || resolved.chunkSize > 0xffffff) {
    throw new RangeError(`chunkSize must be in 1..${0xffffff}, got ${resolved.chunkSize}`);
  }
  return resolved;
}
