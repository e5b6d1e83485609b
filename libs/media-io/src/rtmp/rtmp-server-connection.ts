import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { RtmpStatusInfo } from './rtmp-command-messages';
import { RtmpChunkStreamId, RtmpMessageType } from './rtmp-constants';
import { createUserControlMessage } from './rtmp-control-messages';
import type { RtmpHandshakeResult } from './rtmp-handshake-types';
import { RtmpServerCommands } from './rtmp-server-commands';
import type {
  RtmpCloseInfo,
  RtmpConnectInfo,
  RtmpSafeEmit,
  RtmpServerConnectionEvents,
  RtmpServerConnectionOptions,
  RtmpServerConnectionState,
} from './rtmp-server-connection-types';
import { resolveRtmpServerLimits } from './rtmp-server-options';
import { RtmpServerTransport } from './rtmp-server-transport';
import { DEFAULT_RTMP_NAME_LIMITS } from './rtmp-stream-name';

/**
 * Server side of one RTMP connection: handshake → chunk stream → NetConnection
 * and NetStream commands, for publishers (encoders) and players. The bytes
 * are the transport's job (RtmpServerTransport), the commands and streams
 * RtmpServerCommands'; this class joins them and is the public face.
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
  private readonly transport: RtmpServerTransport;
  private readonly commands: RtmpServerCommands;
  private handshakeInfo: RtmpHandshakeResult | undefined;

  constructor(socket: Duplex, options: RtmpServerConnectionOptions = {}) {
    super();
    const limits = resolveRtmpServerLimits(options);
    this.transport = new RtmpServerTransport(
      socket,
      limits,
      {
        handshake: (result) => {
          this.handshakeInfo = result;
          this.safeEmit('handshake', result);
        },
        message: (message) => this.commands.onMessage(message),
        drain: () => this.safeEmit('drain'),
        failing: (error) => this.reportError(error),
        closed: (info) => this.onClosed(info),
      },
      { handshake: options.handshake, chunkLimits: options.chunkLimits },
    );
    this.commands = new RtmpServerCommands(this.transport, this.safeEmit, {
      maxStreams: limits.maxStreams,
      amf: options.amfLimits,
      names: { ...DEFAULT_RTMP_NAME_LIMITS, ...options.nameLimits },
    });
  }

  get state(): RtmpServerConnectionState {
    if (this.transport.isClosed) return 'closed';
    if (this.transport.isHandshaking) return 'handshake';
    return this.commands.connectInfo === undefined ? 'connecting' : 'connected';
  }

  get isClosed(): boolean {
    return this.transport.isClosed;
  }

  get remoteAddress(): string | undefined {
    return this.transport.remoteAddress;
  }

  get handshakeResult(): RtmpHandshakeResult | undefined {
    return this.handshakeInfo;
  }

  get connectInfo(): RtmpConnectInfo | undefined {
    return this.commands.connectInfo;
  }

  /** Chunk size we send with; fan-out bytes from encodeRtmpMessageChunks must use it. */
  get chunkSize(): number {
    return this.transport.chunkSize;
  }

  /** Bytes queued in the socket but not yet handed to the kernel: the backpressure signal. */
  get bufferedBytes(): number {
    return this.transport.bufferedBytes;
  }

  /** Total bytes received from the peer (handshake included). */
  get bytesReceived(): number {
    return this.transport.bytesReceived;
  }

  /** Bytes the peer last acknowledged (its Acknowledgement messages), modulo 2^32. */
  get bytesAcknowledgedByPeer(): number {
    return this.transport.bytesAcknowledgedByPeer;
  }

  /** Stream id of the (first) accepted play, if any. */
  get playStreamId(): number | undefined {
    return this.commands.playStreamId;
  }

  /** Reason the connection closed, once it has. */
  get closeReason(): RtmpCloseInfo | undefined {
    return this.transport.closeReason;
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
    return this.transport.send({ typeId, streamId, timestamp, payload }, csid);
  }

  /**
   * Where media chunked once for many viewers goes: bytes from
   * encodeRtmpMessageChunks (or writeRtmpMessageChunks), encoded with this
   * connection's chunkSize and the viewer's play stream id on the audio, data
   * and video chunk streams, written to the returned socket as whole
   * messages. The fan-out holds the socket itself because its loop over
   * hundreds of viewers reads and writes it twice per viewer per batch, and
   * every object in between is a memory load per viewer (perf at 500 RTMP
   * viewers: the sink's write and bufferedBytes through the connection and
   * its transport were ~12 % of the ingest's samples, and a viewer cost
   * ~1.2x an HTTP-FLV one; ~1.0x since). Those writes
   * bypass this connection's write-buffer limit: the caller bounds its queue
   * (the hub skips or drops a viewer that falls behind).
   */
  encodedMediaOutput(): Duplex {
    return this.transport.encodedMediaOutput();
  }

  /** Sends an onStatus on a stream, e.g. NetStream.Play.UnpublishNotify when the source goes away. */
  sendStatus(streamId: number, info: RtmpStatusInfo): boolean {
    return this.commands.sendStatus(streamId, info);
  }

  /** Tells a player the source stopped: Stream EOF + NetStream.Play.UnpublishNotify. */
  notifyUnpublished(streamId: number | undefined = this.playStreamId): void {
    if (streamId === undefined) return;
    this.transport.withCork(() => {
      this.transport.sendControl(createUserControlMessage({ type: 'streamEof', streamId }));
      const description = `${this.commands.streamName(streamId)} is now unpublished.`;
      this.sendStatus(streamId, { level: 'status', code: 'NetStream.Play.UnpublishNotify', description });
    });
  }

  /** Tells a waiting player the source (re)appeared: Stream Begin + NetStream.Play.PublishNotify. */
  notifyPublished(streamId: number | undefined = this.playStreamId): void {
    if (streamId === undefined) return;
    this.transport.withCork(() => {
      this.transport.sendControl(createUserControlMessage({ type: 'streamBegin', streamId }));
      const description = `${this.commands.streamName(streamId)} is now published.`;
      this.sendStatus(streamId, { level: 'status', code: 'NetStream.Play.PublishNotify', description });
    });
  }

  /**
   * Ends the connection gracefully: already-written bytes are flushed, then
   * the socket is ended (and destroyed after closeGraceMs if the peer lingers).
   * Idempotent; only the first reason is reported.
   */
  close(reason = 'closed by server'): void {
    this.transport.close(reason);
  }

  private reportError(error: Error): void {
    if (this.listenerCount('error') === 0) return;
    try {
      this.emit('error', error);
    } catch {
      // A throwing error listener must not escape into the socket callback.
    }
  }

  private onClosed(info: RtmpCloseInfo): void {
    this.commands.endAll();
    this.safeEmit('close', info);
  }

  /**
   * emit() that turns a throwing listener into a connection failure instead
   * of an exception inside a socket callback.
   */
  private readonly safeEmit: RtmpSafeEmit = (event, ...args) => {
    try {
      return (this.emit as (e: typeof event, ...a: typeof args) => boolean)(event, ...args);
    } catch (error) {
      if (event === 'close') return true;
      this.transport.fail(error);
      return true;
    }
  };
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
