/** RTMP message type ids (RTMP spec 5.4, 7.1). */
export const RtmpMessageType = {
  SetChunkSize: 1,
  Abort: 2,
  Acknowledgement: 3,
  UserControl: 4,
  WindowAckSize: 5,
  SetPeerBandwidth: 6,
  Audio: 8,
  Video: 9,
  DataAmf3: 15,
  SharedObjectAmf3: 16,
  CommandAmf3: 17,
  DataAmf0: 18,
  SharedObjectAmf0: 19,
  CommandAmf0: 20,
  Aggregate: 22,
} as const;

/** User Control event types (RTMP spec 7.1.7). */
export const RtmpUserControlType = {
  StreamBegin: 0,
  StreamEof: 1,
  StreamDry: 2,
  SetBufferLength: 3,
  StreamIsRecorded: 4,
  PingRequest: 6,
  PingResponse: 7,
} as const;

/**
 * Chunk stream ids we send on. 2 is mandated for protocol control; the rest
 * follow FFmpeg's layout so packet captures look familiar. Audio and video
 * get separate ids so header compression state (same length/type/delta) is
 * not reset by every alternation between the two.
 */
export const RtmpChunkStreamId = {
  Protocol: 2,
  Command: 3,
  Audio: 4,
  Data: 5,
  Video: 6,
} as const;

/** Chunk size every RTMP peer starts with until a Set Chunk Size arrives. */
export const RTMP_DEFAULT_CHUNK_SIZE = 128;

/**
 * Largest chunk size we accept from a peer. The field is 31 bits, but a chunk
 * never exceeds one message and message lengths are 24-bit, so anything above
 * 2^24 is meaningless and only signals a confused or hostile peer.
 */
export const RTMP_MAX_CHUNK_SIZE = 1 << 24;

/** Message length field is 24 bits. */
export const RTMP_MAX_MESSAGE_LENGTH = 0xffffff;

/** Chunk stream ids representable by the 1/2/3-byte basic header forms. */
export const RTMP_MIN_CHUNK_STREAM_ID = 2;
export const RTMP_MAX_CHUNK_STREAM_ID = 65599;

/** Timestamp field value meaning "the real value is in the extended timestamp". */
export const RTMP_EXTENDED_TIMESTAMP_MARKER = 0xffffff;

/** RTMP protocol version byte (C0/S0). 6 and 8 are RTMPE, which we do not speak. */
export const RTMP_VERSION = 3;

/** Size of C1/S1/C2/S2. */
export const RTMP_HANDSHAKE_SIZE = 1536;
