import {
  RTMP_DEFAULT_CHUNK_SIZE,
  RTMP_EXTENDED_TIMESTAMP_MARKER,
  RTMP_MAX_CHUNK_SIZE,
  RTMP_MAX_CHUNK_STREAM_ID,
  RTMP_MAX_MESSAGE_LENGTH,
  RTMP_MIN_CHUNK_STREAM_ID,
} from './rtmp-constants';
import type { RtmpMessage } from './rtmp-message';

type ChunkFormat = 0 | 1 | 2 | 3;

/** What the peer remembers about the last message we sent on a chunk stream. */
interface WriterStreamState {
  timestamp: number;
  timestampField: number;
  /** Whether timestampField is a delta (fmt 1/2/3) rather than fmt 0's absolute value. */
  fieldIsDelta: boolean;
  length: number;
  typeId: number;
  streamId: number;
}

const MESSAGE_HEADER_LENGTH: Record<ChunkFormat, number> = { 0: 11, 1: 7, 2: 3, 3: 0 };

/**
 * Serialises messages into chunks for one connection, using the smallest
 * header the peer can reconstruct (fmt 1/2/3) from the per-chunk-stream
 * state it keeps. One writer per connection, because that state mirrors the
 * peer's reader.
 */
export class RtmpChunkWriter {
  private outChunkSize: number;
  private readonly streams = new Map<number, WriterStreamState>();
  private readonly shared = new Set<number>();

  constructor(chunkSize: number = RTMP_DEFAULT_CHUNK_SIZE) {
    assertChunkSize(chunkSize);
    this.outChunkSize = chunkSize;
  }

  get chunkSize(): number {
    return this.outChunkSize;
  }

  /**
   * Switches the chunk size for subsequent messages. Call it right after
   * encoding the Set Chunk Size message that announces the new value (that
   * message itself must still use the old size).
   */
  setChunkSize(chunkSize: number): void {
    assertChunkSize(chunkSize);
    this.outChunkSize = chunkSize;
  }

  /** Encodes one message as contiguous chunk bytes. */
  encode(message: RtmpMessage, csid: number): Buffer {
    return this.encodeLayout(message, csid).buffer;
  }

  /**
   * Encodes one message and returns each chunk (header + payload slice) as a
   * separate view of one allocation; useful for interleaving chunks of
   * several messages.
   */
  encodeChunks(message: RtmpMessage, csid: number): Buffer[] {
    const { buffer, offsets } = this.encodeLayout(message, csid);
    return offsets.map((start, i) => buffer.subarray(start, offsets[i + 1] ?? buffer.length));
  }

  /**
   * From now on every message on these chunk streams starts with a full
   * (fmt 0) header. For chunk streams that bytes encoded elsewhere also go out
   * on (encodeRtmpMessageChunks: the fan-out's batches, written to many
   * connections at once), which change what the peer remembers of them
   * without this writer seeing it. Declared once, instead of forgetting the
   * state after every such write: the fan-out would do that per viewer per
   * batch, for every chunk stream a batch holds.
   */
  shareChunkStreams(csids: Iterable<number>): void {
    for (const csid of csids) {
      this.shared.add(csid);
      this.streams.delete(csid);
    }
  }

  private encodeLayout(message: RtmpMessage, csid: number): ChunkLayout {
    assertMessage(message, csid);
    const timestamp = message.timestamp >>> 0;
    const length = message.payload.length;
    const shared = this.shared.has(csid);
    const prev = shared ? undefined : this.streams.get(csid);
    let fmt: ChunkFormat = 0;
    let field = timestamp;
    if (prev !== undefined && prev.streamId === message.streamId && timestamp >= prev.timestamp) {
      const delta = timestamp - prev.timestamp;
      field = delta;
      if (prev.typeId !== message.typeId || prev.length !== length) fmt = 1;
      // fmt 3 for a new message repeats the previous delta; we only use it after a real delta
      // because peers disagree on what a fmt 3 following a fmt 0 means.
      else fmt = prev.fieldIsDelta && prev.timestampField === delta ? 3 : 2;
    }
    if (!shared) {
      this.streams.set(csid, {
        timestamp,
        timestampField: field,
        fieldIsDelta: fmt !== 0,
        length,
        typeId: message.typeId,
        streamId: message.streamId,
      });
    }
    return layoutChunks(message, this.outChunkSize, csid, fmt, field);
  }
}

/**
 * Encodes a message as standalone chunks: a fmt 0 first header (absolute
 * timestamp, full message header) and fmt 3 continuations.
 *
 * This is the fan-out path: because a fmt 0 header depends on no earlier
 * state, the same bytes are valid on every viewer connection that announced
 * the same chunk size, so a message is encoded once and written to N sockets
 * (RtmpServerConnection.encodedMediaOutput) instead of being re-chunked per viewer.
 * The cost is 7-11 header bytes per message more than delta compression.
 */
export function encodeRtmpMessageChunks(message: RtmpMessage, chunkSize: number, csid: number): Buffer {
  assertChunkSize(chunkSize);
  assertMessage(message, csid);
  const timestamp = message.timestamp >>> 0;
  return layoutChunks(message, chunkSize, csid, 0, timestamp).buffer;
}

/** Bytes encodeRtmpMessageChunks would produce for the message. */
export function rtmpMessageChunksLength(message: RtmpMessage, chunkSize: number, csid: number): number {
  assertChunkSize(chunkSize);
  assertMessage(message, csid);
  return chunkedLength(message.payload.length, chunkSize, csid, 0, message.timestamp >>> 0);
}

/**
 * encodeRtmpMessageChunks into `target` at `offset` (rtmpMessageChunksLength bytes from there); returns the offset
 * after them. For a writer laying several messages out in one buffer (the fan-out's batches).
 */
export function writeRtmpMessageChunks(target: Buffer, offset: number, message: RtmpMessage, chunkSize: number, csid: number): number {
  assertChunkSize(chunkSize);
  assertMessage(message, csid);
  return writeChunks(target, offset, message, chunkSize, csid, 0, message.timestamp >>> 0);
}

interface ChunkLayout {
  buffer: Buffer;
  /** Start offset of each chunk. */
  offsets: number[];
}

function basicHeaderLength(csid: number): number {
  return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

function writeBasicHeader(buffer: Buffer, offset: number, fmt: ChunkFormat, csid: number): number {
  if (csid < 64) {
    buffer[offset] = (fmt << 6) | csid;
    return offset + 1;
  }
  if (csid < 320) {
    buffer[offset] = fmt << 6;
    buffer[offset + 1] = csid - 64;
    return offset + 2;
  }
  buffer[offset] = (fmt << 6) | 1;
  buffer[offset + 1] = (csid - 64) & 0xff;
  buffer[offset + 2] = (csid - 64) >> 8;
  return offset + 3;
}

function chunkedLength(payloadLength: number, chunkSize: number, csid: number, fmt: ChunkFormat, field: number): number {
  const basic = basicHeaderLength(csid);
  const extLength = field >= RTMP_EXTENDED_TIMESTAMP_MARKER ? 4 : 0;
  const chunkCount = Math.max(1, Math.ceil(payloadLength / chunkSize));
  return basic + MESSAGE_HEADER_LENGTH[fmt] + extLength + (chunkCount - 1) * (basic + extLength) + payloadLength;
}

function layoutChunks(message: RtmpMessage, chunkSize: number, csid: number, fmt: ChunkFormat, field: number): ChunkLayout {
  const buffer = Buffer.allocUnsafe(chunkedLength(message.payload.length, chunkSize, csid, fmt, field));
  const offsets: number[] = [];
  writeChunks(buffer, 0, message, chunkSize, csid, fmt, field, offsets);
  return { buffer, offsets };
}

/** Writes the message's chunks at `start`, noting where each chunk starts in `offsets`; returns the offset after them. */
function writeChunks(
  buffer: Buffer,
  start: number,
  message: RtmpMessage,
  chunkSize: number,
  csid: number,
  fmt: ChunkFormat,
  field: number,
  offsets?: number[],
): number {
  const payload = message.payload;
  const extended = field >= RTMP_EXTENDED_TIMESTAMP_MARKER;
  offsets?.push(start);

  let o = writeBasicHeader(buffer, start, fmt, csid);
  if (fmt <= 2) {
    buffer.writeUIntBE(extended ? RTMP_EXTENDED_TIMESTAMP_MARKER : field, o, 3);
    o += 3;
  }
  if (fmt <= 1) {
    buffer.writeUIntBE(payload.length, o, 3);
    buffer[o + 3] = message.typeId;
    o += 4;
  }
  if (fmt === 0) {
    buffer.writeUInt32LE(message.streamId, o);
    o += 4;
  }
  if (extended) o = buffer.writeUInt32BE(field, o);

  let sent = 0;
  for (;;) {
    const take = Math.min(chunkSize, payload.length - sent);
    payload.copy(buffer, o, sent, sent + take);
    o += take;
    sent += take;
    if (sent >= payload.length) break;
    offsets?.push(o);
    o = writeBasicHeader(buffer, o, 3, csid);
    // FFmpeg and librtmp expect the extended timestamp repeated on continuation chunks.
    if (extended) o = buffer.writeUInt32BE(field, o);
  }
  return o;
}

function assertChunkSize(chunkSize: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > RTMP_MAX_CHUNK_SIZE) {
    throw new RangeError(`chunk size must be an integer in 1..${RTMP_MAX_CHUNK_SIZE}, got ${chunkSize}`);
  }
}

function assertMessage(message: RtmpMessage, csid: number): void {
  if (!Number.isInteger(csid) || csid < RTMP_MIN_CHUNK_STREAM_ID || csid > RTMP_MAX_CHUNK_STREAM_ID) {
    throw new RangeError(`chunk stream id must be in ${RTMP_MIN_CHUNK_STREAM_ID}..${RTMP_MAX_CHUNK_STREAM_ID}, got ${csid}`);
  }
  if (message.payload.length > RTMP_MAX_MESSAGE_LENGTH) {
    throw new RangeError(`message payload of ${message.payload.length} bytes exceeds the 24-bit length field`);
  }
  if (!Number.isInteger(message.typeId) || message.typeId < 0 || message.typeId > 255) {
    throw new RangeError(`message type id must be a byte, got ${message.typeId}`);
  }
  if (!Number.isInteger(message.streamId) || message.streamId < 0 || message.streamId > 0xffffffff) {
    throw new RangeError(`message stream id must be a uint32, got ${message.streamId}`);
  }
  if (!Number.isInteger(message.timestamp) || message.timestamp < 0) {
    throw new RangeError(`timestamp must be a non-negative integer, got ${message.timestamp}`);
  }
}
