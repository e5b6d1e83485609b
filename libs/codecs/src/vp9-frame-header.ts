import { BitReader } from './bit-reader';
import { VideoParseError } from './codec-errors';

/** What a VP9 frame's uncompressed header says about the stream (VP9 spec 6.2); size and colour on keyframes only. */
export interface Vp9FrameHeader {
  profile: number;
  keyframe: boolean;
  bitDepth?: number;
  /** color_space (0 unknown, 1 BT.601, 2 BT.709, ..., 7 sRGB). */
  colorSpace?: number;
  fullRange?: boolean;
  subsamplingX?: number;
  subsamplingY?: number;
  width?: number;
  height?: number;
}

const KEY_FRAME = 0;
const SYNC_CODE = 0x498342;
const CS_RGB = 7;

/**
 * Parses the start of a VP9 frame's uncompressed header (the first frame of
 * a superframe): profile, frame type, and for keyframes the colour
 * configuration and frame size. Untrusted input: bounds-checked reads, and a
 * bad frame marker or sync code throws VideoParseError.
 */
export function parseVp9FrameHeader(frame: Buffer): Vp9FrameHeader {
  const r = new BitReader(frame, (m) => new VideoParseError(m), 'VP9 frame header');
  if (r.readBits(2) !== 2) throw new VideoParseError('VP9 frame marker is not 2');
  const low = r.readBit();
  const profile = (r.readBit() << 1) | low;
  if (profile === 3) r.skipBits(1);
  if (r.readFlag()) return { profile, keyframe: false }; // show_existing_frame
  const keyframe = r.readBit() === KEY_FRAME;
  r.skipBits(2); // show_frame, error_resilient_mode
  if (!keyframe) return { profile, keyframe };
  if (r.readBits(24) !== SYNC_CODE) throw new VideoParseError('VP9 keyframe sync code missing');
  const bitDepth = profile >= 2 ? (r.readFlag() ? 12 : 10) : 8;
  const colorSpace = r.readBits(3);
  let fullRange = true;
  let [subsamplingX, subsamplingY] = [0, 0];
  if (colorSpace !== CS_RGB) {
    fullRange = r.readFlag();
    if (profile === 1 || profile === 3) {
      [subsamplingX, subsamplingY] = [r.readBit(), r.readBit()];
      r.skipBits(1);
    } else {
      [subsamplingX, subsamplingY] = [1, 1];
    }
  } else if (profile === 1 || profile === 3) {
    r.skipBits(1);
  }
  const width = r.readBits(16) + 1;
  const height = r.readBits(16) + 1;
  return { profile, keyframe, bitDepth, colorSpace, fullRange, subsamplingX, subsamplingY, width, height };
}

/** VP9 levels by their largest picture (luma samples), VP9 spec Annex A. */
const LEVELS: ReadonlyArray<[number, number]> = [
  [36_864, 10],
  [73_728, 11],
  [122_880, 20],
  [245_760, 21],
  [552_960, 30],
  [983_040, 31],
  [2_228_224, 40],
  [8_912_896, 50],
  [35_651_584, 60],
];
const CS_BT_709 = 2;

/**
 * The VPCodecConfigurationRecord ('vpcC', VP Codec ISO Media File Format
 * Binding 2.2), version 1, that E-RTMP's 'vp09' SequenceStart carries, from
 * a keyframe's header. The level is the smallest whose picture size holds
 * the frame; colour is BT.709 where the stream says so, unspecified (2)
 * otherwise.
 */
export function buildVpCodecConfigurationRecord(keyframe: Vp9FrameHeader): Buffer {
  if (!keyframe.keyframe || keyframe.width === undefined || keyframe.height === undefined) throw new VideoParseError('vpcC needs a VP9 keyframe header');
  const samples = keyframe.width * keyframe.height;
  const level = (LEVELS.find(([max]) => samples <= max) ?? [0, 62])[1];
  const chroma = keyframe.subsamplingX && keyframe.subsamplingY ? 1 : keyframe.subsamplingX ? 2 : 3; // 4:2:0 colocated, 4:2:2, 4:4:4
  const colour = keyframe.colorSpace === CS_BT_709 ? 1 : 2;
  const record = Buffer.alloc(12);
  record[0] = 1; // version 1, flags 0
  record[4] = keyframe.profile;
  record[5] = level;
  record[6] = ((keyframe.bitDepth ?? 8) << 4) | (chroma << 1) | (keyframe.fullRange ? 1 : 0);
  record[7] = colour;
  record[8] = colour;
  record[9] = colour;
  // codecInitializationDataSize 0 (bytes 10-11)
  return record;
}

/** What a VPCodecConfigurationRecord says of the stream's profile, level and bit depth. */
export interface VpCodecConfiguration {
  profile: number;
  /** The level ×10 (31 = level 3.1); 0 when the writer left it unspecified. */
  level: number;
  bitDepth: number;
}

/**
 * Reads the profile, level and bit depth of a 'vpcC' (versions 0 and 1 keep them at the same offsets). Untrusted
 * input: a record too short for them throws VideoParseError.
 */
export function parseVpCodecConfigurationRecord(record: Buffer): VpCodecConfiguration {
  if (record.length < 7) throw new VideoParseError(`vpcC of ${record.length} bytes is too short`);
  const version = record[0] as number;
  if (version > 1) throw new VideoParseError(`vpcC version ${version} is not supported`);
  return { profile: record[4] as number, level: record[5] as number, bitDepth: (record[6] as number) >> 4 };
}
