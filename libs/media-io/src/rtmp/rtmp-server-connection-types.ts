import type { Amf0Limits, Amf0Value } from '@mediaplane/codecs';
import type { RtmpChunkReaderLimits } from './rtmp-chunk-reader';
import type { RtmpCommand, RtmpDataMessage } from './rtmp-command-messages';
import type { RtmpEnhancedCapabilities } from './rtmp-enhanced-capabilities';
import type { RtmpProtocolError } from './rtmp-errors';
import type { RtmpHandshakeResult } from './rtmp-handshake-types';
import type { RtmpServerHandshakeOptions } from './rtmp-server-handshake';
import type { RtmpNameLimits } from './rtmp-stream-name';

export interface RtmpServerConnectionOptions {
  /** Time allowed for C0..C2 from the moment the connection is created. Default 10 s. */
  handshakeTimeoutMs?: number;
  /**
   * Inbound silence after which the connection is closed. At half of it we
   * send a Ping Request, which every real client answers, so idle players
   * (which send nothing while receiving) stay alive. Default 30 s; 0 disables.
   */
  idleTimeoutMs?: number;
  /** Time from creation until the client sends publish or play. Default 30 s; 0 disables. */
  setupTimeoutMs?: number;
  /** Chunk size we announce and send with. Default 4096 (what OBS and nginx-rtmp use). */
  chunkSize?: number;
  /** Window Acknowledgement Size sent to the client. Default 2 500 000 (FMS/nginx value). */
  windowAckSize?: number;
  /** Set Peer Bandwidth sent to the client. Default 2 500 000. */
  peerBandwidth?: number;
  /**
   * Hard cap on bytes queued in the socket's write buffer; exceeding it
   * closes the connection. A safety net only: servers should watch
   * bufferedBytes and drop slow viewers long before. Default 32 MiB.
   */
  maxWriteBufferBytes?: number;
  /** Streams (createStream) one connection may hold. Default 8. */
  maxStreams?: number;
  /** Delay between a graceful close (socket.end) and forcibly destroying the socket. Default 2 s. */
  closeGraceMs?: number;
  chunkLimits?: Partial<RtmpChunkReaderLimits>;
  amfLimits?: Partial<Amf0Limits>;
  nameLimits?: Partial<RtmpNameLimits>;
  handshake?: RtmpServerHandshakeOptions;
}

export type RtmpServerConnectionState = 'handshake' | 'connecting' | 'connected' | 'closed';

export interface RtmpConnectInfo {
  /** App from the connect command, query string removed, trailing '/' trimmed. */
  app: string;
  /** Query string of the app (`live?token=x`), empty when absent. */
  appQuery: URLSearchParams;
  tcUrl: string | undefined;
  flashVer: string | undefined;
  swfUrl: string | undefined;
  pageUrl: string | undefined;
  /** What the client announced of Enhanced RTMP (fourCcList, FourCC info maps, capsEx); empty for legacy clients. */
  enhanced: RtmpEnhancedCapabilities;
  /** The whole connect command object as received. */
  commandObject: Record<string, Amf0Value>;
}

export type RtmpPublishType = 'live' | 'record' | 'append' | 'appendWithGap';

export interface RtmpRejectOptions {
  /** onStatus code; default NetStream.Publish.BadName / NetStream.Play.StreamNotFound. */
  code?: string;
  description?: string;
}

interface RtmpStreamRequestBase {
  readonly app: string;
  readonly appQuery: URLSearchParams;
  readonly tcUrl: string | undefined;
  /** Stream name without the query string. */
  readonly streamName: string;
  readonly query: URLSearchParams;
  /** Message stream id the client created with createStream. */
  readonly streamId: number;
  /**
   * Sends the success statuses. Idempotent; ignored after reject() or when
   * the connection has closed meanwhile (check connection.isClosed).
   */
  accept(): void;
  /** Sends an error onStatus and closes the connection. Idempotent. */
  reject(options?: RtmpRejectOptions): void;
}

export interface RtmpPublishRequest extends RtmpStreamRequestBase {
  readonly publishType: RtmpPublishType;
}

export interface RtmpPlayRequest extends RtmpStreamRequestBase {
  /** play() start argument: -2 live-or-recorded, -1 live only, >= 0 seconds into a recording. */
  readonly start: number;
  /** play() duration argument; -1 = until the end. */
  readonly duration: number;
  readonly reset: boolean;
}

export interface RtmpMediaMessage {
  type: 'audio' | 'video';
  streamId: number;
  timestamp: number;
  /** The FLV tag body exactly as received (tag header byte(s) included). */
  payload: Buffer;
}

export interface RtmpMetadata {
  streamId: number;
  timestamp: number;
  /** Properties of the onMetaData object / ECMA array; empty if the encoder sent another type. */
  properties: Record<string, Amf0Value>;
  /**
   * The message as players expect it: AMF0 "onMetaData" + the original value
   * (`@setDataFrame` stripped, bytes otherwise untouched). Relay it with
   * sendMedia(RtmpMessageType.DataAmf0, 0, payload).
   */
  payload: Buffer;
}

export interface RtmpStreamEndInfo {
  streamId: number;
  streamName: string;
  /** The command that ended it, or 'close' when the connection went away. */
  reason: 'FCUnpublish' | 'closeStream' | 'deleteStream' | 'close';
}

export interface RtmpCloseInfo {
  /** Human-readable cause, e.g. "peer closed", "idle timeout", "publish rejected: ...". */
  reason: string;
  /** Set for protocol errors, timeouts and socket errors. */
  error?: RtmpProtocolError | Error;
}

export interface RtmpServerConnectionEvents {
  handshake: [result: RtmpHandshakeResult];
  /** After we replied NetConnection.Connect.Success; call close() to refuse the app. */
  connect: [info: RtmpConnectInfo];
  /** Decide with request.accept() / request.reject(); with no listener the publish is rejected. */
  publish: [request: RtmpPublishRequest];
  /** Decide with request.accept() / request.reject(); with no listener the play is rejected. */
  play: [request: RtmpPlayRequest];
  /** onMetaData from an accepted publisher (sent via @setDataFrame or directly). */
  metadata: [metadata: RtmpMetadata];
  /** Any other data message from an accepted publisher (onTextData, onCuePoint, ...). */
  data: [data: RtmpDataMessage & { payload: Buffer }];
  /** Audio/video from an accepted publisher. */
  media: [media: RtmpMediaMessage];
  /** An accepted publish ended (FCUnpublish/closeStream/deleteStream or connection close). */
  unpublish: [info: RtmpStreamEndInfo];
  /** An accepted play ended (closeStream/deleteStream or connection close). */
  playStop: [info: RtmpStreamEndInfo];
  /** Commands the connection does not handle itself (pause, seek, receiveVideo, custom calls, ...). */
  command: [command: RtmpCommand];
  /** The socket's write buffer drained (see bufferedBytes). */
  drain: [];
  /** Protocol violation, exceeded limit or timeout; always followed by 'close'. Never thrown. */
  error: [error: RtmpProtocolError | Error];
  /** Emitted exactly once. */
  close: [info: RtmpCloseInfo];
}

/** emit() of the connection, made safe: a throwing listener fails the connection instead of escaping. */
export type RtmpSafeEmit = <K extends keyof RtmpServerConnectionEvents>(event: K, ...args: RtmpServerConnectionEvents[K]) => boolean;
