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
  const out = Buffer.alloc(FLV_TAG_HEADER_SIZE);
  out[0] = type;
  out.writeUIntBE(dataSize, 1, 3);
  out.writeUIntBE(ts % 0x1000000, 4, 3);
  out[7] = Math.floor(ts / 0x1000000);
  // bytes 8..10: StreamID, always 0
  return out;
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
  const header = encodeFlvTagHeader(type, timestampMs, payload.length);
  const out = Buffer.allocUnsafe(FLV_TAG_HEADER_SIZE + payload.length + FLV_PREVIOUS_TAG_SIZE_BYTES);
  header.copy(out, 0);
  payload.copy(out, FLV_TAG_HEADER_SIZE);
  out.writeUInt32BE(FLV_TAG_HEADER_SIZE + payload.length, FLV_TAG_HEADER_SIZE + payload.length);
  return out;
}
