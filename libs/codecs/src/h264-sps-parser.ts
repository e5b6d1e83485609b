import { BitReader } from './bit-reader';
import { VideoParseError } from './codec-errors';
import { removeEmulationPrevention } from './h264-rbsp';

export interface H264Sps {
  profileIdc: number;
  /** The byte after profile_idc: constraint_set0..5 flags (MSB first) and 2 reserved bits. */
  constraintFlags: number;
  levelIdc: number;
  spsId: number;
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4 (1 for profiles without the field). */
  chromaFormatIdc: number;
  separateColourPlane: boolean;
  /** Luma bit depth (8 for profiles without the field). */
  bitDepth: number;
  bitDepthChroma: number;
  /** Display size: coded size minus frame cropping. */
  width: number;
  height: number;
  /** Size in whole macroblocks (full frame, both fields when interlaced). */
  codedWidth: number;
  codedHeight: number;
  /** False for interlaced/field-capable streams (frame_mbs_only_flag = 0). */
  frameMbsOnly: boolean;
  maxNumRefFrames: number;
  /**
   * time_scale / (2 * num_units_in_tick) from VUI timing info, i.e. frames
   * per second for the usual frame-based timing (x264, NVENC, QSV all use
   * it). Undefined when VUI timing is absent or zero.
   */
  frameRate?: number;
  timing?: { numUnitsInTick: number; timeScale: number; fixedFrameRate: boolean };
  /** Pixel (sample) aspect ratio from VUI, when signalled. */
  sampleAspectRatio?: { width: number; height: number };
}

/** SPS are tens of bytes (under ~1 KiB with full scaling lists); bound the RBSP copy. */
export const MAX_SPS_BYTES = 64 * 1024;

/**
 * Widest/tallest legal picture: level 6.2 allows 139 264 macroblocks per
 * frame and at most sqrt(8 * MaxFS) = 1055 MBs per side. 2048 leaves margin
 * while keeping absurd ue(v) values from reaching callers as dimensions.
 */
const MAX_DIMENSION_MBS = 2048;

/** Profiles whose SPS carries chroma_format_idc, bit depths and scaling lists (7.3.2.1.1). */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Table E-1 sample aspect ratios for aspect_ratio_idc 1..16. */
const SAR_TABLE: readonly (readonly [number, number])[] = [
  [1, 1],
  [12, 11],
  [10, 11],
  [16, 11],
  [40, 33],
  [24, 11],
  [20, 11],
  [32, 11],
  [80, 33],
  [18, 11],
  [15, 11],
  [64, 33],
  [160, 99],
  [4, 3],
  [3, 2],
  [2, 1],
];
const EXTENDED_SAR = 255;

/**
 * Parses an H.264 sequence parameter set NAL unit (including its 1-byte NAL
 * header, without start code or length prefix), e.g. an entry of
 * AvcDecoderConfigurationRecord.sps.
 *
 * Everything up to the VUI is required and malformed input throws
 * VideoParseError. The VUI is best-effort, as in FFmpeg: if it is truncated
 * the fields parsed so far are kept and the rest are left undefined, because
 * a damaged VUI does not stop decoders from playing the stream.
 */
export function parseH264Sps(nal: Buffer): H264Sps {
  if (nal.length < 1) throw new VideoParseError('H.264 SPS is empty');
  if (nal.length > MAX_SPS_BYTES) {
    throw new VideoParseError(`H.264 SPS of ${nal.length} bytes exceeds ${MAX_SPS_BYTES}`);
  }
  const nalType = (nal[0] as number) & 0x1f;
  if (nalType !== 7) throw new VideoParseError(`NAL unit type ${nalType} is not an SPS (7)`);

  const r = new BitReader(removeEmulationPrevention(nal.subarray(1)), (message) => new VideoParseError(message), 'H.264 SPS');
  const profileIdc = r.readBits(8);
  const constraintFlags = r.readBits(8);
  const levelIdc = r.readBits(8);
  const spsId = bounded(r.readUe(), 31, 'seq_parameter_set_id');

  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  let bitDepth = 8;
  let bitDepthChroma = 8;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = bounded(r.readUe(), 3, 'chroma_format_idc');
    if (chromaFormatIdc === 3) separateColourPlane = r.readFlag();
    bitDepth = 8 + bounded(r.readUe(), 6, 'bit_depth_luma_minus8');
    bitDepthChroma = 8 + bounded(r.readUe(), 6, 'bit_depth_chroma_minus8');
    r.readFlag(); // qpprime_y_zero_transform_bypass_flag
    if (r.readFlag()) skipScalingMatrix(r, chromaFormatIdc === 3 ? 12 : 8);
  }

  bounded(r.readUe(), 12, 'log2_max_frame_num_minus4');
  const picOrderCntType = bounded(r.readUe(), 2, 'pic_order_cnt_type');
  if (picOrderCntType === 0) {
    bounded(r.readUe(), 12, 'log2_max_pic_order_cnt_lsb_minus4');
  } else if (picOrderCntType === 1) {
    r.readFlag(); // delta_pic_order_always_zero_flag
    r.readSe(); // offset_for_non_ref_pic
    r.readSe(); // offset_for_top_to_bottom_field
    const cycle = bounded(r.readUe(), 255, 'num_ref_frames_in_pic_order_cnt_cycle');
    for (let i = 0; i < cycle; i++) r.readSe();
  }
  const maxNumRefFrames = r.readUe();
  r.readFlag(); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = bounded(r.readUe() + 1, MAX_DIMENSION_MBS, 'pic_width_in_mbs');
  const heightMapUnits = bounded(r.readUe() + 1, MAX_DIMENSION_MBS, 'pic_height_in_map_units');
  const frameMbsOnly = r.readFlag();
  if (!frameMbsOnly) r.readFlag(); // mb_adaptive_frame_field_flag
  r.readFlag(); // direct_8x8_inference_flag

  const codedWidth = widthMbs * 16;
  const codedHeight = (frameMbsOnly ? 1 : 2) * heightMapUnits * 16;
  let width = codedWidth;
  let height = codedHeight;
  if (r.readFlag()) {
    // Offsets are in chroma sample units (7.4.2.1.1, CropUnitX/CropUnitY).
    const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
    const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
    const subHeightC = chromaArrayType === 1 ? 2 : 1;
    const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC;
    const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * (frameMbsOnly ? 1 : 2);
    const left = r.readUe();
    const right = r.readUe();
    const top = r.readUe();
    const bottom = r.readUe();
    width -= cropUnitX * (left + right);
    height -= cropUnitY * (top + bottom);
    if (width <= 0 || height <= 0) {
      throw new VideoParseError(`H.264 SPS frame cropping (${left},${right},${top},${bottom}) leaves no picture of ${codedWidth}x${codedHeight}`);
    }
  }

  const sps: H264Sps = {
    profileIdc,
    constraintFlags,
    levelIdc,
    spsId,
    chromaFormatIdc,
    separateColourPlane,
    bitDepth,
    bitDepthChroma,
    width,
    height,
    codedWidth,
    codedHeight,
    frameMbsOnly,
    maxNumRefFrames,
  };
  if (r.readFlag()) parseVui(r, sps);
  return sps;
}

function bounded(value: number, max: number, field: string): number {
  if (value > max) throw new VideoParseError(`H.264 SPS ${field} ${value} exceeds ${max}`);
  return value;
}

/** Parses scaling_list() syntax only to get past it; the values are not needed. */
function skipScalingMatrix(r: BitReader, count: number): void {
  for (let i = 0; i < count; i++) {
    if (!r.readFlag()) continue; // seq_scaling_list_present_flag[i]
    const size = i < 6 ? 16 : 64;
    let lastScale = 8;
    let nextScale = 8;
    for (let j = 0; j < size; j++) {
      if (nextScale !== 0) {
        const delta = r.readSe();
        if (delta < -128 || delta > 127) throw new VideoParseError(`H.264 SPS delta_scale ${delta} out of range`);
        nextScale = (lastScale + delta + 256) % 256;
      }
      lastScale = nextScale === 0 ? lastScale : nextScale;
    }
  }
}

/** VUI up to timing info (E.1.1); later fields (HRD, restrictions) are not needed. */
function parseVui(r: BitReader, sps: H264Sps): void {
  try {
    if (r.readFlag()) {
      const idc = r.readBits(8);
      if (idc === EXTENDED_SAR) {
        const w = r.readBits(16);
        const h = r.readBits(16);
        if (w > 0 && h > 0) sps.sampleAspectRatio = { width: w, height: h };
      } else {
        const sar = SAR_TABLE[idc - 1];
        if (sar) sps.sampleAspectRatio = { width: sar[0], height: sar[1] };
      }
    }
    if (r.readFlag()) r.readFlag(); // overscan_info_present → overscan_appropriate
    if (r.readFlag()) {
      r.skipBits(4); // video_format, video_full_range_flag
      if (r.readFlag()) r.skipBits(24); // colour_primaries, transfer, matrix
    }
    if (r.readFlag()) {
      r.readUe(); // chroma_sample_loc_type_top_field
      r.readUe(); // chroma_sample_loc_type_bottom_field
    }
    if (r.readFlag()) {
      const numUnitsInTick = r.readBits(32);
      const timeScale = r.readBits(32);
      // Spec requires both > 0; a zero would give Infinity/NaN, so report none.
      if (numUnitsInTick > 0 && timeScale > 0) sps.frameRate = timeScale / (2 * numUnitsInTick);
      sps.timing = { numUnitsInTick, timeScale, fixedFrameRate: r.readFlag() };
    }
  } catch (error) {
    if (!(error instanceof VideoParseError)) throw error;
    // Truncated VUI: keep what was read (see parseH264Sps).
  }
}
