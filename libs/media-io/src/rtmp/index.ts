// RTMP protocol engine: handshake, chunk stream, control and command layers,
// the server connection used by the ingest service, and a small client (tests, benchmarks, the restream E-RTMP push).

export * from './rtmp-constants';
export * from './rtmp-errors';
export type { RtmpMessage } from './rtmp-message';

// Handshake
export * from './rtmp-handshake-types';
export {
  RTMP_FP_KEY,
  RTMP_FMS_KEY,
  type RtmpDigestScheme,
  type RtmpDigestMatch,
  rtmpDigestOffset,
  imprintRtmpDigest,
  findRtmpDigest,
  createRtmpDigestResponse,
  verifyRtmpDigestResponse,
} from './rtmp-handshake-digest';
export { RtmpServerHandshake, type RtmpServerHandshakeOptions } from './rtmp-server-handshake';
export { RtmpClientHandshake, type RtmpClientHandshakeOptions } from './rtmp-client-handshake';

// Chunk stream
export { RtmpChunkReader, type RtmpChunkReaderLimits, DEFAULT_RTMP_CHUNK_READER_LIMITS, resolveRtmpChunkReaderLimits } from './rtmp-chunk-reader';
export { RtmpChunkWriter, encodeRtmpMessageChunks } from './rtmp-chunk-writer';
export { splitRtmpAggregateMessage } from './rtmp-aggregate-message';

// Control, commands, names
export * from './rtmp-control-messages';
export {
  type RtmpCommand,
  type RtmpDataMessage,
  type RtmpStatusInfo,
  parseRtmpCommand,
  parseRtmpDataMessage,
  createRtmpCommandMessage,
  createRtmpStatusMessage,
  createRtmpDataMessage,
} from './rtmp-command-messages';
export * from './rtmp-stream-name';

// Connections
export * from './rtmp-enhanced-capabilities';
export * from './rtmp-server-connection-types';
export { RtmpServerConnection } from './rtmp-server-connection';
export { RtmpClientConnection, type RtmpClientConnectionOptions, type RtmpClientConnectionEvents, type RtmpCallResult } from './rtmp-client-connection';
export { parseRtmpPublishTarget, type RtmpPublishTarget } from './rtmp-publish-target';
export { RtmpTagPublisher, type RtmpTagPublisherOptions } from './rtmp-tag-publisher';
