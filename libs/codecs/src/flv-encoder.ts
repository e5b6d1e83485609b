import { FlvEncodeError } from './codec-errors';
import { FLV_HEADER_SIZE, FLV_MAX_TAG_DATA_SIZE, FLV_PREVIOUS_TAG_SIZE_BYTES, FLV_TAG_HEADER_SIZE } from './flv-constants';

export interface FlvHeaderOptions {
  audio: boolean;
  video: boolean;
}

/** FLV file header plus PreviousTagSize0 (always 0): 13 bytes. */
export function encodeFlvHeader(options: FlvHeaderOptions): Buffer {
  const out = Buffer.alloc(FLV_HEADER_SIZE + FLV_PREVIOUS_TAG_SIZE_BYTES);
  out.write('FLV', 0, 'latin1');
  out[3] = 1;
  out[4] = (options.audio ? 0x04 : 0) | (options.video ? 0x01 : 0);
  out.writeUInt32BE(FLV_HEADER_SIZE, 5);
  // bytes 9..12: PreviousTagSize0 = 0 (already zero-filled)
  return out;
}

/**
 * The 11-byte tag header alone, so a server fanning one payload out to many
 * viewers can write header + shared payload + encodeFlvPreviousTagSize()
 * without copying the payload per viewer.
 *
 * `timestamp` is in milliseconds and must be a non-negative integer; it is
 * written modulo 2^32 (24 low bits + extension byte), the same wrap-around
 * RTMP timestamps have, so long-running streams keep working.
 */
export function encodeFlvTagHeader(type: number, timestamp: number, dataSize: number): Buffer {
  const out = Buffer.alloc(FLV_TAG_HEADER_SIZE);
  writeFlvTagHeader(out, 0, type, timestamp, dataSize);
  return out;
}

/** Writes the 11-byte tag header (see encodeFlvTagHeader) at `offset`; returns the offset after it. */
function writeFlvTagHeader(target: Buffer, offset: number, type: number, timestamp: number, dataSize: number): number {
  if (!Number.isInteger(type) || type < 0 || type > 0x1f) {
    // Higher bits are the Filter (encryption) and reserved flags.
    throw new FlvEncodeError(`FLV tag type must be an integer 0..31, got ${type}`);
  }
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new FlvEncodeError(`FLV timestamp must be a non-negative integer of milliseconds, got ${timestamp}`);
  }
  if (!Number.isInteger(dataSize) || dataSize < 0 || dataSize > FLV_MAX_TAG_DATA_SIZE) {
    throw new FlvEncodeError(`FLV tag data size must be 0..${FLV_MAX_TAG_DATA_SIZE} bytes, got ${dataSize}`);
  }
  const ts = timestamp % 2 ** 32;
  target[offset] = type;
  target.writeUIntBE(dataSize, offset + 1, 3);
  target.writeUIntBE(ts % 0x1000000, offset + 4, 3);
  target[offset + 7] = Math.floor(ts / 0x1000000);
  // bytes 8..10: StreamID, always 0
  target[offset + 8] = 0;
  target[offset + 9] = 0;
  target[offset + 10] = 0;
  return offset + FLV_TAG_HEADER_SIZE;
}

/** The u32 trailer after a tag: header size plus data size. */
export function encodeFlvPreviousTagSize(dataSize: number): Buffer {
  if (!Number.isInteger(dataSize) || dataSize < 0 || dataSize > FLV_MAX_TAG_DATA_SIZE) {
    throw new FlvEncodeError(`FLV tag data size must be 0..${FLV_MAX_TAG_DATA_SIZE} bytes, got ${dataSize}`);
  }
  const out = Buffer.alloc(FLV_PREVIOUS_TAG_SIZE_BYTES);
  out.writeUInt32BE(FLV_TAG_HEADER_SIZE + dataSize, 0);
  return out;
}

/** A complete tag: header, payload copy, PreviousTagSize. */
export function encodeFlvTag(type: number, timestampMs: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(flvTagLength(payload.length));
  writeFlvTag(out, 0, type, timestampMs, payload);
  return out;
}

/** Bytes of a complete tag (header, data, PreviousTagSize) carrying `dataSize` bytes. */
export function flvTagLength(dataSize: number): number {
  return FLV_TAG_HEADER_SIZE + dataSize + FLV_PREVIOUS_TAG_SIZE_BYTES;
}

/**
 * Writes a complete tag at `offset` of `target`, which must have flvTagLength(payload.length) bytes from there;
 * returns the offset after it. For a writer that lays several tags out in one buffer (the fan-out's batches): one
 * allocation instead of one per tag and another to join them.
 */
export function writeFlvTag(target: Buffer, offset: number, type: number, timestampMs: number, payload: Buffer): number {
  let o = writeFlvTagHeader(target, offset, type, timestampMs, payload.length);
  o += payload.copy(target, o);
  return target.writeUInt32BE(FLV_TAG_HEADER_SIZE + payload.length, o);
}
