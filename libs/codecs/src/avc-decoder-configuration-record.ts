import { ByteReader } from './byte-reader';
import { VideoParseError } from './codec-errors';

/** AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1), as sent in the AVC sequence header. */
export interface AvcDecoderConfigurationRecord {
  /** AVCProfileIndication (profile_idc), e.g. 66 baseline, 77 main, 100 high. */
  profile: number;
  /** profile_compatibility (the SPS constraint_set flags byte). */
  compatibility: number;
  /** AVCLevelIndication (level_idc), e.g. 31 for level 3.1. */
  level: number;
  /** Bytes in each NAL unit length prefix of the coded frames (1..4, normally 4). */
  nalUnitLengthSize: number;
  /** SPS NAL units (with NAL header byte, no length prefix). */
  sps: Buffer[];
  /** PPS NAL units. */
  pps: Buffer[];
}

/**
 * Parses the record from an AVC sequence-header payload (the tag body after
 * the 5-byte video tag header).
 *
 * SPS/PPS are copied out rather than viewed: callers keep them for the life
 * of the stream (to prepend to every keyframe), and a view would pin the
 * whole RTMP chunk they arrived in.
 *
 * The optional High-profile extension (chroma_format etc.) is ignored: the
 * same values are in the SPS, and several encoders write it incorrectly.
 */
export function parseAvcDecoderConfigurationRecord(buf: Buffer): AvcDecoderConfigurationRecord {
  const r = new ByteReader(buf, (message) => new VideoParseError(message), 'AVCDecoderConfigurationRecord');
  const version = r.u8();
  if (version !== 1) {
    throw new VideoParseError(`AVCDecoderConfigurationRecord version ${version} is not 1`);
  }
  const profile = r.u8();
  const compatibility = r.u8();
  const level = r.u8();
  // 14496-15 only allows 1, 2 or 4; 3 is accepted (as FFmpeg does) because
  // splitAvcNalus handles any size 1..4 and rejecting costs a stream for nothing.
  const nalUnitLengthSize = (r.u8() & 0x03) + 1;
  const spsCount = r.u8() & 0x1f;
  const sps = readParameterSets(r, spsCount, 'SPS');
  const ppsCount = r.u8();
  const pps = readParameterSets(r, ppsCount, 'PPS');
  return { profile, compatibility, level, nalUnitLengthSize, sps, pps };
}

function readParameterSets(r: ByteReader, count: number, kind: string): Buffer[] {
  const sets: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const length = r.u16();
    if (length === 0) throw new VideoParseError(`AVCDecoderConfigurationRecord ${kind} #${i} is empty`);
    // r.bytes checks the length against what is left before we copy.
    sets.push(Buffer.from(r.bytes(length)));
  }
  return sets;
}

/**
 * Builds the record (4-byte NAL lengths) from SPS/PPS NAL units with their
 * NAL header byte and no start code, e.g. taken from an Annex B stream, for
 * the AVC sequence header in FLV. Profile, compatibility and level are the
 * SPS's bytes 1..3. The High-profile extension is not written: decoders read
 * those values from the SPS itself (FFmpeg 5.1 writes none either).
 */
export function buildAvcDecoderConfigurationRecord(sps: readonly Buffer[], pps: readonly Buffer[]): Buffer {
  const first = sps[0];
  if (first === undefined || first.length < 4 || pps.length === 0) {
    throw new VideoParseError('AVCDecoderConfigurationRecord needs an SPS of at least 4 bytes and a PPS');
  }
  if (sps.length > 31 || pps.length > 255) {
    throw new VideoParseError(`AVCDecoderConfigurationRecord holds at most 31 SPS and 255 PPS, got ${sps.length} and ${pps.length}`);
  }
  let size = 7;
  for (const set of [...sps, ...pps]) {
    if (set.length === 0 || set.length > 0xffff) throw new VideoParseError(`AVC parameter set of ${set.length} bytes does not fit a record`);
    size += 2 + set.length;
  }
  const out = Buffer.alloc(size);
  out[0] = 1;
  out[1] = first[1] as number;
  out[2] = first[2] as number;
  out[3] = first[3] as number;
  out[4] = 0xff; // reserved 111111 + lengthSizeMinusOne 3
  out[5] = 0xe0 | sps.length;
  let pos = 6;
  for (const set of sps) {
    out.writeUInt16BE(set.length, pos);
    pos += 2 + set.copy(out, pos + 2);
  }
  out[pos++] = pps.length;
  for (const set of pps) {
    out.writeUInt16BE(set.length, pos);
    pos += 2 + set.copy(out, pos + 2);
  }
  return out;
}
