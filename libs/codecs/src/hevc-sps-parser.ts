import { BitReader } from './bit-reader';
import { VideoParseError } from './codec-errors';
import { MAX_SPS_BYTES } from './h264-sps-parser';
import { removeEmulationPrevention } from './h264-rbsp';
import { HevcNaluType, hevcNaluType } from './hevc-nalus';

/** The leading fields of an HEVC SPS (ITU-T H.265 §7.3.2.2) up to the bit depths: what ingest reports and hvcC repeats. */
export interface HevcSps {
  /** general_profile_idc: 1 Main, 2 Main 10, 3 Main Still Picture, 4 format range extensions. */
  profileIdc: number;
  /** general_tier_flag: false Main tier, true High tier. */
  highTier: boolean;
  /** general_level_idc: 30 × the level number (93 = level 3.1). */
  levelIdc: number;
  /** general_profile_space .. general_level_idc: the 12 bytes HEVCDecoderConfigurationRecord copies verbatim. */
  generalProfileTierLevel: Buffer;
  /** sps_max_sub_layers_minus1 + 1. */
  numTemporalLayers: number;
  temporalIdNested: boolean;
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4. */
  chromaFormatIdc: number;
  separateColourPlane: boolean;
  bitDepthLuma: number;
  bitDepthChroma: number;
  /** pic_width/height_in_luma_samples: the coded size (a multiple of the minimum coding block). */
  codedWidth: number;
  codedHeight: number;
  /** Display size: the coded size minus the conformance window. */
  width: number;
  height: number;
}

/** Level 6.2's MaxLumaPs is 35 651 584 samples, at most sqrt(8 × MaxLumaPs) ≈ 16 888 per side; beyond that the SPS is garbage. */
const MAX_DIMENSION = 16_888;
const PROFILE_TIER_LEVEL_BYTES = 12;

/**
 * Reads an HEVC SPS NAL unit (2-byte NAL header included, no start code) as
 * far as the bit depths: profile/tier/level, chroma format, coded size and
 * the conformance window (cropping), i.e. the picture size players show.
 * The VUI (frame rate) lies behind scaling lists and reference picture sets
 * and is not read: ingest measures the frame rate from timestamps.
 *
 * Untrusted input: bounded to MAX_SPS_BYTES before the RBSP copy, every read
 * is bounds-checked, absurd sizes and bit depths are rejected; every failure
 * is a VideoParseError.
 */
export function parseHevcSps(nalu: Buffer): HevcSps {
  if (nalu.length > MAX_SPS_BYTES) throw new VideoParseError(`HEVC SPS of ${nalu.length} bytes exceeds ${MAX_SPS_BYTES}`);
  if (nalu.length < 2) throw new VideoParseError(`HEVC SPS truncated: ${nalu.length} byte(s)`);
  if (hevcNaluType(nalu) !== HevcNaluType.Sps) throw new VideoParseError(`HEVC NAL unit type ${hevcNaluType(nalu)} is not an SPS`);
  const rbsp = removeEmulationPrevention(nalu.subarray(2));
  if (rbsp.length < 1 + PROFILE_TIER_LEVEL_BYTES) throw new VideoParseError(`HEVC SPS truncated: ${rbsp.length} byte(s) of RBSP`);
  const r = new BitReader(rbsp, (message) => new VideoParseError(message), 'HEVC SPS');
  r.skipBits(4); // sps_video_parameter_set_id
  const maxSubLayersMinus1 = r.readBits(3);
  if (maxSubLayersMinus1 > 6) throw new VideoParseError(`HEVC SPS sps_max_sub_layers_minus1 ${maxSubLayersMinus1} is out of range`);
  const temporalIdNested = r.readFlag();
  const generalProfileTierLevel = Buffer.from(rbsp.subarray(1, 1 + PROFILE_TIER_LEVEL_BYTES));
  r.skipBits(2); // general_profile_space
  const highTier = r.readFlag();
  const profileIdc = r.readBits(5);
  r.skipBits(32 + 48); // compatibility flags, then the constraint flags (4 + 43 + 1 bits)
  const levelIdc = r.readBits(8);
  skipSubLayers(r, maxSubLayersMinus1);
  r.readUe(); // sps_seq_parameter_set_id
  const chromaFormatIdc = r.readUe();
  if (chromaFormatIdc > 3) throw new VideoParseError(`HEVC SPS chroma_format_idc ${chromaFormatIdc} is out of range`);
  const separateColourPlane = chromaFormatIdc === 3 ? r.readFlag() : false;
  const codedWidth = r.readUe();
  const codedHeight = r.readUe();
  if (codedWidth === 0 || codedHeight === 0 || codedWidth > MAX_DIMENSION || codedHeight > MAX_DIMENSION) {
    throw new VideoParseError(`HEVC SPS picture size ${codedWidth}x${codedHeight} is out of range`);
  }
  let width = codedWidth;
  let height = codedHeight;
  if (r.readFlag()) {
    // Offsets count chroma samples (§7.4.3.2.1): SubWidthC/SubHeightC of the chroma format, 1 when planes are separate.
    const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
    const subWidth = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
    const subHeight = chromaArrayType === 1 ? 2 : 1;
    const [left, right, top, bottom] = [r.readUe(), r.readUe(), r.readUe(), r.readUe()] as [number, number, number, number];
    width -= subWidth * (left + right);
    height -= subHeight * (top + bottom);
    if (width <= 0 || height <= 0) throw new VideoParseError(`HEVC SPS conformance window leaves ${width}x${height}`);
  }
  const bitDepthLumaMinus8 = r.readUe();
  const bitDepthChromaMinus8 = r.readUe();
  if (bitDepthLumaMinus8 > 8 || bitDepthChromaMinus8 > 8) throw new VideoParseError('HEVC SPS bit depth out of range');
  return {
    profileIdc,
    highTier,
    levelIdc,
    generalProfileTierLevel,
    numTemporalLayers: maxSubLayersMinus1 + 1,
    temporalIdNested,
    chromaFormatIdc,
    separateColourPlane,
    bitDepthLuma: bitDepthLumaMinus8 + 8,
    bitDepthChroma: bitDepthChromaMinus8 + 8,
    codedWidth,
    codedHeight,
    width,
    height,
  };
}

/** The sub-layer part of profile_tier_level(1, maxSubLayersMinus1) (§7.3.3). */
function skipSubLayers(r: BitReader, maxSubLayersMinus1: number): void {
  const profilePresent: boolean[] = [];
  const levelPresent: boolean[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    profilePresent.push(r.readFlag());
    levelPresent.push(r.readFlag());
  }
  if (maxSubLayersMinus1 > 0) r.skipBits(2 * (8 - maxSubLayersMinus1)); // reserved_zero_2bits
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (profilePresent[i]) r.skipBits(88);
    if (levelPresent[i]) r.skipBits(8);
  }
}

const HEVC_PROFILES: Record<number, string> = { 1: 'Main', 2: 'Main 10', 3: 'Main Still Picture', 4: 'Rext', 5: 'High Throughput', 9: 'SCC' };

/** A readable profile name ('Main', 'Main 10', ...), `profile N` for others. */
export function hevcProfileName(profileIdc: number): string {
  return HEVC_PROFILES[profileIdc] ?? `profile ${profileIdc}`;
}
