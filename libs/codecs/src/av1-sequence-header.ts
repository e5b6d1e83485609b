import { BitReader } from './bit-reader';
import { VideoParseError } from './codec-errors';
import { Av1ObuType, splitAv1Obus } from './av1-obus';

/** What a sequence header OBU says that containers and players need (AV1 spec 5.5). */
export interface Av1SequenceHeader {
  profile: number;
  /** Frame headers then carry no show_existing_frame or frame_type: every frame is a keyframe. */
  reducedStillPictureHeader: boolean;
  /** seq_level_idx and seq_tier of the first operating point. */
  level: number;
  tier: number;
  /** max_frame_width/height: the largest picture the stream has. */
  width: number;
  height: number;
  highBitdepth: boolean;
  twelveBit: boolean;
  monochrome: boolean;
  subsamplingX: number;
  subsamplingY: number;
  chromaSamplePosition: number;
}

const CP_BT_709 = 1;
const TC_SRGB = 13;
const MC_IDENTITY = 0;

/**
 * Parses a sequence header OBU's payload up to and including its colour
 * configuration. Untrusted input: every read is bounds-checked and a
 * truncated header throws VideoParseError.
 */
export function parseAv1SequenceHeader(payload: Buffer): Av1SequenceHeader {
  const r = new BitReader(payload, (m) => new VideoParseError(m), 'AV1 sequence header');
  const profile = r.readBits(3);
  if (profile > 2) throw new VideoParseError(`AV1 seq_profile ${profile} is reserved`);
  r.skipBits(1); // still_picture
  const reduced = r.readFlag();
  let level: number;
  let tier = 0;
  if (reduced) {
    level = r.readBits(5);
  } else {
    let bufferDelayBits = 0;
    let decoderModelInfo = false;
    if (r.readFlag()) {
      // timing_info
      r.skipBits(64);
      if (r.readFlag()) skipUvlc(r);
      decoderModelInfo = r.readFlag();
      if (decoderModelInfo) {
        bufferDelayBits = r.readBits(5) + 1;
        r.skipBits(32 + 5 + 5);
      }
    }
    const initialDisplayDelay = r.readFlag();
    const operatingPoints = r.readBits(5) + 1;
    level = 0;
    for (let i = 0; i < operatingPoints; i++) {
      r.skipBits(12); // operating_point_idc
      const opLevel = r.readBits(5);
      const opTier = opLevel > 7 ? r.readBit() : 0;
      if (i === 0) [level, tier] = [opLevel, opTier];
      if (decoderModelInfo && r.readFlag()) r.skipBits(2 * bufferDelayBits + 1);
      if (initialDisplayDelay && r.readFlag()) r.skipBits(4);
    }
  }
  const widthBits = r.readBits(4) + 1;
  const heightBits = r.readBits(4) + 1;
  const width = r.readBits(widthBits) + 1;
  const height = r.readBits(heightBits) + 1;
  if (!reduced && r.readFlag()) r.skipBits(4 + 3); // frame id numbers
  r.skipBits(3); // 128x128 superblocks, filter intra, intra edge filter
  if (!reduced) {
    r.skipBits(4); // interintra and masked compound, warped motion, dual filter
    const orderHint = r.readFlag();
    if (orderHint) r.skipBits(2); // jnt_comp, ref_frame_mvs
    const forceScreenContentTools = r.readFlag() ? 2 : r.readBit();
    if (forceScreenContentTools > 0 && !r.readFlag()) r.skipBits(1); // seq_force_integer_mv
    if (orderHint) r.skipBits(3);
  }
  r.skipBits(3); // superres, cdef, restoration
  return { profile, reducedStillPictureHeader: reduced, level, tier, width, height, ...colorConfig(r, profile) };
}

function colorConfig(
  r: BitReader,
  profile: number,
): Pick<Av1SequenceHeader, 'highBitdepth' | 'twelveBit' | 'monochrome' | 'subsamplingX' | 'subsamplingY' | 'chromaSamplePosition'> {
  const highBitdepth = r.readFlag();
  const twelveBit = profile === 2 && highBitdepth ? r.readFlag() : false;
  const monochrome = profile === 1 ? false : r.readFlag();
  const [cp, tc, mc] = r.readFlag() ? [r.readBits(8), r.readBits(8), r.readBits(8)] : [2, 2, 2];
  if (monochrome) {
    r.skipBits(1); // color_range
    return { highBitdepth, twelveBit, monochrome, subsamplingX: 1, subsamplingY: 1, chromaSamplePosition: 0 };
  }
  if (cp === CP_BT_709 && tc === TC_SRGB && mc === MC_IDENTITY) {
    return { highBitdepth, twelveBit, monochrome, subsamplingX: 0, subsamplingY: 0, chromaSamplePosition: 0 };
  }
  r.skipBits(1); // color_range
  let [subsamplingX, subsamplingY] = profile === 0 ? [1, 1] : profile === 1 ? [0, 0] : [1, 0];
  if (profile === 2 && twelveBit) {
    subsamplingX = r.readBit();
    subsamplingY = subsamplingX ? r.readBit() : 0;
  }
  const chromaSamplePosition = subsamplingX && subsamplingY ? r.readBits(2) : 0;
  return { highBitdepth, twelveBit, monochrome, subsamplingX, subsamplingY, chromaSamplePosition };
}

/** uvlc() (AV1 spec 4.10.3): leading zeros, then as many value bits. */
function skipUvlc(r: BitReader): void {
  let zeros = 0;
  while (!r.readFlag()) {
    if (++zeros >= 32) throw new VideoParseError('AV1 uvlc longer than 32 bits');
  }
  r.skipBits(zeros);
}

/**
 * The AV1CodecConfigurationRecord ('av1C', AV1-ISOBMFF 2.3) for a sequence
 * header OBU: what MP4, Matroska (V_AV1's CodecPrivate) and E-RTMP's 'av01'
 * SequenceStart carry. The OBU itself follows as configOBUs.
 */
export function buildAv1CodecConfigurationRecord(sequenceHeaderObu: Buffer): Buffer {
  const [obu] = splitAv1Obus(sequenceHeaderObu);
  if (obu?.type !== Av1ObuType.SequenceHeader) throw new VideoParseError('av1C needs a sequence header OBU');
  const h = parseAv1SequenceHeader(obu.payload);
  const flags =
    (h.tier << 7) |
    (Number(h.highBitdepth) << 6) |
    (Number(h.twelveBit) << 5) |
    (Number(h.monochrome) << 4) |
    (h.subsamplingX << 3) |
    (h.subsamplingY << 2) |
    h.chromaSamplePosition;
  return Buffer.concat([Buffer.from([0x81, (h.profile << 5) | h.level, flags, 0]), obu.bytes]);
}

/** The sequence header of an av1C record (from its configOBUs), or undefined when it carries none. */
export function av1SequenceHeaderOfRecord(record: Buffer): Av1SequenceHeader | undefined {
  if (record.length < 4 || record[0] !== 0x81) throw new VideoParseError('not an AV1CodecConfigurationRecord (marker/version)');
  const header = splitAv1Obus(record.subarray(4)).find((o) => o.type === Av1ObuType.SequenceHeader);
  return header && parseAv1SequenceHeader(header.payload);
}
