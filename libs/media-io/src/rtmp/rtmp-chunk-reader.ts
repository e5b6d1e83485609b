import { RTMP_DEFAULT_CHUNK_SIZE, RTMP_EXTENDED_TIMESTAMP_MARKER, RTMP_MAX_CHUNK_SIZE, RtmpMessageType } from './rtmp-constants';
import { RtmpChunkError } from './rtmp-errors';
import { RtmpByteQueue } from './rtmp-byte-queue';
import type { RtmpMessage } from './rtmp-message';

export interface RtmpChunkReaderLimits {
  /**
   * Largest message accepted, checked against the header's length field
   * before anything is allocated. Default 8 MiB: the wire format allows
   * 16 MiB - 1, and nginx-rtmp's 1 MiB default is known to cut off 4K
   * keyframes; 8 MiB covers intra frames of high-bitrate 4K/HEVC/AV1 with
   * headroom while halving what one message can make us hold.
   */
  maxMessageSize: number;
  /** Distinct chunk stream ids a peer may use (each keeps header state). Real encoders use 3-6. */
  maxChunkStreams: number;
  /** Largest Set Chunk Size value accepted. */
  maxChunkSize: number;
  /**
   * Bytes held across all partially received messages. Interleaving lets a
   * peer keep one unfinished message per chunk stream; this caps the sum so
   * that 64 chunk streams cannot pin 64 × maxMessageSize. Default 2 ×
   * maxMessageSize: one maximal keyframe plus interleaved audio/data.
   */
  maxPendingBytes: number;
}

export const DEFAULT_RTMP_CHUNK_READER_LIMITS: Readonly<RtmpChunkReaderLimits> = Object.freeze({
  maxMessageSize: 8 * 1024 * 1024,
  maxChunkStreams: 64,
  maxChunkSize: RTMP_MAX_CHUNK_SIZE,
  maxPendingBytes: 16 * 1024 * 1024,
});

/**
 * Payload buffers start at most this big and grow by doubling as bytes
 * arrive, so memory follows what the peer actually sent rather than what
 * its headers claim (a header alone can announce 16 MiB).
 */
const INITIAL_PAYLOAD_CAPACITY = 64 * 1024;

/** Message header length by chunk format (fmt 0..3). */
const MESSAGE_HEADER_LENGTH = [11, 7, 3, 0] as const;

/** Per chunk stream id: the header fields later chunks may omit, plus the message being assembled. */
interface ChunkStreamState {
  /** Absolute timestamp of the current (or last) message. */
  timestamp: number;
  /**
   * Last timestamp field value (resolved through the extended field). For
   * fmt 0 it is the absolute timestamp, otherwise a delta; a fmt 3 header
   * that starts a new message re-applies it as a delta, which is what
   * FFmpeg, librtmp and SRS do.
   */
  timestampField: number;
  /** Whether the last fmt 0-2 header used the extended timestamp field. */
  extended: boolean;
  length: number;
  typeId: number;
  streamId: number;
  /** A message has started on this chunk stream and is not yet complete. */
  active: boolean;
  received: number;
  payload: Buffer | undefined;
}

/**
 * Incremental RTMP chunk stream parser (RTMP spec section 5.3). Feed socket
 * bytes with push() and pull complete messages with read(). Set Chunk Size
 * and Abort are applied here because they change how the very next chunk is
 * parsed; they are still returned so the caller sees every message.
 *
 * Every malformed or over-limit input raises RtmpChunkError; after one the
 * reader stays failed (a chunk stream cannot be resynchronised).
 */
export class RtmpChunkReader {
  private readonly limits: RtmpChunkReaderLimits;
  private readonly queue = new RtmpByteQueue();
  private readonly streams = new Map<number, ChunkStreamState>();
  private inChunkSize = RTMP_DEFAULT_CHUNK_SIZE;
  private pendingBytes = 0;
  /** Chunk stream whose chunk payload is being read, if we are mid-chunk. */
  private current: ChunkStreamState | undefined;
  private chunkRemaining = 0;
  private failure: RtmpChunkError | undefined;

  constructor(limits: Partial<RtmpChunkReaderLimits> = {}) {
    this.limits = resolveRtmpChunkReaderLimits(limits);
  }

  /** The peer's current chunk size. */
  get chunkSize(): number {
    return this.inChunkSize;
  }

  /** Received bytes not yet returned as messages (queued input plus partial messages). */
  get bufferedBytes(): number {
    return this.queue.length + this.pendingBytes;
  }

  push(data: Buffer): void {
    this.queue.push(data);
  }

  /** Returns the next complete message, or undefined until more bytes arrive. Throws RtmpChunkError. */
  read(): RtmpMessage | undefined {
    if (this.failure) throw this.failure;
    try {
      return this.readNext();
    } catch (error) {
      if (error instanceof RtmpChunkError) this.failure = error;
      throw error;
    }
  }

  private readNext(): RtmpMessage | undefined {
    for (;;) {
      let stream = this.current;
      if (stream === undefined) {
        stream = this.readChunkHeader();
        if (stream === undefined) return undefined;
        if (stream.length === 0) {
          this.current = undefined;
          return this.completeMessage(stream);
        }
      }
      const take = Math.min(this.chunkRemaining, this.queue.length);
      if (take === 0) return undefined;
      const payload = this.reserve(stream, take);
      this.queue.copyTo(payload, stream.received, take);
      stream.received += take;
      this.pendingBytes += take;
      this.chunkRemaining -= take;
      if (this.chunkRemaining === 0) {
        this.current = undefined;
        if (stream.received === stream.length) return this.completeMessage(stream);
      }
    }
  }

  /** Parses one chunk header if fully buffered; sets `current`/`chunkRemaining`. */
  private readChunkHeader(): ChunkStreamState | undefined {
    // Bytes are read in place (byteAt) rather than through peeked Buffer views: with small chunk
    // sizes header parsing dominates, and this keeps it allocation-free.
    const q = this.queue;
    if (q.length === 0) return undefined;
    const byte0 = q.byteAt(0);
    const fmt = byte0 >> 6;
    const low = byte0 & 0x3f;
    const basicLength = low === 0 ? 2 : low === 1 ? 3 : 1;
    let headerLength = basicLength + (MESSAGE_HEADER_LENGTH[fmt as 0 | 1 | 2 | 3] ?? 0);
    if (q.length < headerLength) return undefined;
    const csid = low === 0 ? 64 + q.byteAt(1) : low === 1 ? 64 + q.byteAt(1) + q.byteAt(2) * 256 : low;

    let stream = this.streams.get(csid);
    if (stream === undefined) {
      // fmt 2/3 inherit length and type from a previous header, which a new chunk stream does not have.
      // fmt 1 on a fresh stream is tolerated (stream id 0), as SRS does, for old librtmp builds.
      if (fmt >= 2) throw new RtmpChunkError('chunk-invalid', `chunk stream ${csid} starts with a type ${fmt} header`);
      if (this.streams.size >= this.limits.maxChunkStreams) {
        throw new RtmpChunkError('too-many-chunk-streams', `more than ${this.limits.maxChunkStreams} chunk streams in use`);
      }
      stream = {
        timestamp: 0,
        timestampField: 0,
        extended: false,
        length: 0,
        typeId: 0,
        streamId: 0,
        active: false,
        received: 0,
        payload: undefined,
      };
      this.streams.set(csid, stream);
    }

    let offset = basicLength;
    let timestampField = stream.timestampField;
    let length = stream.length;
    let typeId = stream.typeId;
    let streamId = stream.streamId;
    if (fmt <= 2) {
      timestampField = q.uintAt(offset, 3);
      offset += 3;
    }
    if (fmt <= 1) {
      length = q.uintAt(offset, 3);
      typeId = q.byteAt(offset + 3);
      offset += 4;
    }
    if (fmt === 0) {
      // The message stream id is the one little-endian field in RTMP.
      streamId = (q.byteAt(offset) | (q.byteAt(offset + 1) << 8) | (q.byteAt(offset + 2) << 16) | (q.byteAt(offset + 3) << 24)) >>> 0;
      offset += 4;
    }
    const continuation = fmt === 3 && stream.active;
    const extended = fmt <= 2 ? timestampField === RTMP_EXTENDED_TIMESTAMP_MARKER : stream.extended;
    if (extended) {
      if (q.length < headerLength + 4) return undefined;
      const value = q.uintAt(headerLength, 4);
      if (!continuation) {
        timestampField = value;
        headerLength += 4;
      } else if (value === stream.timestampField) {
        // FFmpeg and librtmp repeat the extended timestamp on continuation chunks (as the spec
        // says); some encoders omit it. Accept both: consume it only if it is the repeated value.
        headerLength += 4;
      }
    }
    if (length > this.limits.maxMessageSize) {
      throw new RtmpChunkError('message-too-large', `message of ${length} bytes on chunk stream ${csid} exceeds the ${this.limits.maxMessageSize}-byte limit`);
    }
    this.queue.skip(headerLength);

    if (continuation) {
      this.chunkRemaining = Math.min(this.inChunkSize, stream.length - stream.received);
    } else {
      // A full header in the middle of a message means the sender gave up on it (as FFmpeg
      // treats it); drop the partial payload rather than splice two messages together.
      this.discardPartial(stream);
      stream.timestamp = fmt === 0 ? timestampField : (stream.timestamp + timestampField) >>> 0;
      stream.timestampField = timestampField;
      if (fmt <= 2) stream.extended = extended;
      stream.length = length;
      stream.typeId = typeId;
      stream.streamId = streamId;
      stream.active = true;
      this.chunkRemaining = Math.min(this.inChunkSize, length);
    }
    this.current = stream;
    return stream;
  }

  /** Returns the payload buffer with room for `extra` more bytes, enforcing the pending-bytes cap. */
  private reserve(stream: ChunkStreamState, extra: number): Buffer {
    if (this.pendingBytes + extra > this.limits.maxPendingBytes) {
      throw new RtmpChunkError('pending-bytes-exceeded', `more than ${this.limits.maxPendingBytes} bytes held in unfinished messages`);
    }
    const needed = stream.received + extra;
    const current = stream.payload;
    if (current !== undefined && current.length >= needed) return current;
    const grown = current === undefined ? INITIAL_PAYLOAD_CAPACITY : current.length * 2;
    // allocUnsafeSlow: payloads may be retained (GOP caches); pooled slabs would pin unrelated memory.
    const next = Buffer.allocUnsafeSlow(Math.min(stream.length, Math.max(needed, grown)));
    if (current !== undefined) current.copy(next, 0, 0, stream.received);
    stream.payload = next;
    return next;
  }

  private discardPartial(stream: ChunkStreamState): void {
    this.pendingBytes -= stream.received;
    stream.received = 0;
    stream.payload = undefined;
    stream.active = false;
  }

  private completeMessage(stream: ChunkStreamState): RtmpMessage {
    const payload = stream.payload ?? Buffer.alloc(0);
    const message: RtmpMessage = {
      typeId: stream.typeId,
      streamId: stream.streamId,
      timestamp: stream.timestamp,
      payload,
    };
    this.discardPartial(stream);
    if (message.typeId === RtmpMessageType.SetChunkSize) this.applySetChunkSize(payload);
    else if (message.typeId === RtmpMessageType.Abort) this.applyAbort(payload);
    return message;
  }

  private applySetChunkSize(payload: Buffer): void {
    if (payload.length < 4) throw new RtmpChunkError('chunk-size-invalid', 'Set Chunk Size message shorter than 4 bytes');
    const value = payload.readUInt32BE(0);
    // The top bit is reserved and must be zero (RTMP spec 5.4.1).
    if (value === 0 || value > 0x7fffffff || value > this.limits.maxChunkSize) {
      throw new RtmpChunkError('chunk-size-invalid', `invalid chunk size ${value} (allowed 1..${this.limits.maxChunkSize})`);
    }
    this.inChunkSize = value;
  }

  private applyAbort(payload: Buffer): void {
    if (payload.length < 4) throw new RtmpChunkError('control-invalid', 'Abort message shorter than 4 bytes');
    const target = this.streams.get(payload.readUInt32BE(0));
    if (target !== undefined) this.discardPartial(target);
  }
}

export function resolveRtmpChunkReaderLimits(overrides: Partial<RtmpChunkReaderLimits> = {}): RtmpChunkReaderLimits {
  const limits: RtmpChunkReaderLimits = { ...DEFAULT_RTMP_CHUNK_READER_LIMITS };
  for (const key of Object.keys(DEFAULT_RTMP_CHUNK_READER_LIMITS) as (keyof RtmpChunkReaderLimits)[]) {
    const value = overrides[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`RtmpChunkReaderLimits.${key} must be a positive integer, got ${String(value)}`);
    }
    limits[key] = value;
  }
  if (limits.maxChunkSize > RTMP_MAX_CHUNK_SIZE) {
    throw new RangeError(`RtmpChunkReaderLimits.maxChunkSize must be at most ${RTMP_MAX_CHUNK_SIZE}`);
  }
  return limits;
}
