import { VideoParseError } from './codec-errors';

export interface SplitAvcNalusOptions {
  /**
   * Most NAL units accepted in one buffer. Each one becomes a Buffer view
   * (~100 bytes of heap), so without a cap a 16 MiB frame of 1-byte NAL
   * units would cost gigabytes. Default 1024: real frames carry at most a
   * few hundred (slices + SEI + parameter sets).
   */
  maxNalus?: number;
}

export const DEFAULT_MAX_NALUS = 1024;

/** NAL unit type: low 5 bits of the first byte. */
export function h264NaluType(nalu: Buffer): number {
  return (nalu[0] ?? 0) & 0x1f;
}

/** H.264 nal_unit_type values that muxers care about. */
export const H264NaluType = {
  Slice: 1,
  Idr: 5,
  Sei: 6,
  Sps: 7,
  Pps: 8,
  Aud: 9,
} as const;

/**
 * Splits AVCC (length-prefixed, as in FLV/MP4) data into NAL units.
 *
 * Returns zero-copy views of `data`. Zero-length entries are skipped (some
 * encoders pad with them) but still count towards maxNalus. A length that
 * runs past the end of the buffer throws VideoParseError.
 */
export function splitAvcNalus(data: Buffer, lengthSize: number, options: SplitAvcNalusOptions = {}): Buffer[] {
  if (!Number.isInteger(lengthSize) || lengthSize < 1 || lengthSize > 4) {
    throw new VideoParseError(`AVC NAL unit length size must be 1..4, got ${lengthSize}`);
  }
  const maxNalus = options.maxNalus ?? DEFAULT_MAX_NALUS;
  const nalus: Buffer[] = [];
  let pos = 0;
  let entries = 0;
  while (pos < data.length) {
    if (++entries > maxNalus) {
      throw new VideoParseError(`AVC data holds more than maxNalus ${maxNalus} NAL units`);
    }
    if (data.length - pos < lengthSize) {
      throw new VideoParseError(`AVC NAL unit length prefix truncated at offset ${pos}: ${data.length - pos} of ${lengthSize} byte(s)`);
    }
    const length = data.readUIntBE(pos, lengthSize);
    pos += lengthSize;
    if (length > data.length - pos) {
      throw new VideoParseError(`AVC NAL unit at offset ${pos - lengthSize} claims ${length} bytes, only ${data.length - pos} left`);
    }
    if (length > 0) nalus.push(data.subarray(pos, pos + length));
    pos += length;
  }
  return nalus;
}

/** Joins NAL units into AVCC (as in FLV/MP4/Matroska): each behind a big-endian length of `lengthSize` bytes (1..4). */
export function nalusToAvcc(nalus: readonly Buffer[], lengthSize: number): Buffer {
  const out = Buffer.allocUnsafe(nalus.reduce((n, nalu) => n + lengthSize + nalu.length, 0));
  let pos = 0;
  for (const nalu of nalus) {
    if (nalu.length >= 2 ** (8 * lengthSize)) throw new VideoParseError(`NAL unit of ${nalu.length} bytes does not fit a ${lengthSize}-byte length`);
    out.writeUIntBE(nalu.length, pos, lengthSize);
    pos += lengthSize + nalu.copy(out, pos + lengthSize);
  }
  return out;
}

const START_CODE = Buffer.from([0, 0, 0, 1]);

/** Joins NAL units into an Annex B byte stream with 4-byte start codes. */
export function nalusToAnnexB(nalus: readonly Buffer[]): Buffer {
  let size = 0;
  for (const n of nalus) size += START_CODE.length + n.length;
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const n of nalus) {
    pos += START_CODE.copy(out, pos);
    pos += n.copy(out, pos);
  }
  return out;
}

export interface AvcToAnnexBOptions extends SplitAvcNalusOptions {
  /**
   * NAL units written before the frame's own, e.g. an AUD and the SPS/PPS
   * from the configuration record before each IDR for MPEG-TS/HLS, where
   * every segment must be decodable on its own.
   */
  prefixNalus?: readonly Buffer[];
}

/** Converts one AVCC frame (FLV/MP4 layout) to Annex B (MPEG-TS layout). */
export function avcToAnnexB(data: Buffer, lengthSize: number, options: AvcToAnnexBOptions = {}): Buffer {
  const nalus = splitAvcNalus(data, lengthSize, options);
  return nalusToAnnexB(options.prefixNalus ? [...options.prefixNalus, ...nalus] : nalus);
}
