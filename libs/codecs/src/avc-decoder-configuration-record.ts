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
