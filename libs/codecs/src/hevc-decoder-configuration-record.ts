import { ByteReader } from './byte-reader';
import { VideoParseError } from './codec-errors';
import { HevcNaluType } from './hevc-nalus';
import { parseHevcSps } from './hevc-sps-parser';

/** HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1), as in the FLV/E-RTMP HEVC sequence header. */
export interface HevcDecoderConfigurationRecord {
  /** Bytes in each NAL unit length prefix of the coded frames (1, 2 or 4). */
  nalUnitLengthSize: number;
  vps: Buffer[];
  sps: Buffer[];
  pps: Buffer[];
  /** Other arrays (SEI) in record order. */
  other: Buffer[];
}

/** Most parameter sets of one kind a record may carry (each array count is u16 on the wire). */
const MAX_SETS = 16;

/**
 * Builds the record from the VPS/SPS/PPS NAL units (with their 2-byte NAL
 * headers, no start codes) of an Annex B stream, for the HEVC sequence
 * header in FLV. The profile/tier/level, chroma format and bit depths come
 * from the first SPS; min_spatial_segmentation and parallelism are written
 * as 0 ("unknown"), which decoders accept. Lengths are 4-byte.
 */
export function buildHevcDecoderConfigurationRecord(vps: readonly Buffer[], sps: readonly Buffer[], pps: readonly Buffer[]): Buffer {
  const first = sps[0];
  if (vps.length === 0 || first === undefined || pps.length === 0) {
    throw new VideoParseError('HEVCDecoderConfigurationRecord needs at least one VPS, SPS and PPS');
  }
  if (vps.length > MAX_SETS || sps.length > MAX_SETS || pps.length > MAX_SETS) {
    throw new VideoParseError(`HEVCDecoderConfigurationRecord: more than ${MAX_SETS} parameter sets of one kind`);
  }
  const s = parseHevcSps(first);
  const arrays: Array<[number, readonly Buffer[]]> = [
    [HevcNaluType.Vps, vps],
    [HevcNaluType.Sps, sps],
    [HevcNaluType.Pps, pps],
  ];
  let size = 23;
  for (const [, sets] of arrays) {
    size += 3;
    for (const set of sets) {
      if (set.length > 0xffff) throw new VideoParseError(`HEVC parameter set of ${set.length} bytes does not fit a u16 length`);
      size += 2 + set.length;
    }
  }
  const out = Buffer.alloc(size);
  out[0] = 1; // configurationVersion
  s.generalProfileTierLevel.copy(out, 1); // bytes 1..12
  out.writeUInt16BE(0xf000, 13); // reserved 1111 + min_spatial_segmentation_idc 0
  out[15] = 0xfc; // reserved 111111 + parallelismType 0 (unknown)
  out[16] = 0xfc | (s.chromaFormatIdc & 0x03);
  out[17] = 0xf8 | ((s.bitDepthLuma - 8) & 0x07);
  out[18] = 0xf8 | ((s.bitDepthChroma - 8) & 0x07);
  out.writeUInt16BE(0, 19); // avgFrameRate unknown
  // constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne 3.
  out[21] = ((s.numTemporalLayers & 0x07) << 3) | (s.temporalIdNested ? 0x04 : 0) | 0x03;
  out[22] = arrays.length;
  let pos = 23;
  for (const [type, sets] of arrays) {
    out[pos++] = 0x80 | type; // array_completeness 1: every set of this type is in the record
    out.writeUInt16BE(sets.length, pos);
    pos += 2;
    for (const set of sets) {
      out.writeUInt16BE(set.length, pos);
      pos += 2;
      pos += set.copy(out, pos);
    }
  }
  return out;
}

/** Parses the record from an HEVC sequence-header payload. Parameter sets are copied (kept for the stream's life). */
export function parseHevcDecoderConfigurationRecord(buf: Buffer): HevcDecoderConfigurationRecord {
  const r = new ByteReader(buf, (message) => new VideoParseError(message), 'HEVCDecoderConfigurationRecord');
  const version = r.u8();
  if (version !== 1) throw new VideoParseError(`HEVCDecoderConfigurationRecord version ${version} is not 1`);
  r.skip(20);
  const nalUnitLengthSize = (r.u8() & 0x03) + 1;
  const numArrays = r.u8();
  const record: HevcDecoderConfigurationRecord = { nalUnitLengthSize, vps: [], sps: [], pps: [], other: [] };
  for (let a = 0; a < numArrays; a++) {
    const type = r.u8() & 0x3f;
    const count = r.u16();
    for (let i = 0; i < count; i++) {
      const length = r.u16();
      const set = Buffer.from(r.bytes(length));
      if (length === 0) continue;
      const list = type === HevcNaluType.Vps ? record.vps : type === HevcNaluType.Sps ? record.sps : type === HevcNaluType.Pps ? record.pps : record.other;
      if (list.length >= MAX_SETS) throw new VideoParseError(`HEVCDecoderConfigurationRecord: more than ${MAX_SETS} NAL units of type ${type}`);
      list.push(set);
    }
  }
  return record;
}
