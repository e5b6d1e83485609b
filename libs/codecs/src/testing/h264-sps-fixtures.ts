import type { H264Sps } from '../h264-sps-parser';

export interface SpsFixture {
  name: string;
  /** SPS NAL unit including the 0x67 header, as hex. */
  hex: string;
  expected: Partial<H264Sps>;
}

/**
 * Real SPS NAL units from libx264 (core 164) via FFmpeg 5.1, one frame each:
 *
 *   ffmpeg -f lavfi -i testsrc2=size=WxH:rate=R -frames:v 1 -c:v libx264 [opts] \
 *     -bsf:v h264_mp4toannexb -f h264 out.h264
 *
 * Expected values are what ffprobe reports for the same files (size,
 * profile, pix_fmt, field order, r_frame_rate).
 */
export const REAL_SPS_FIXTURES: readonly SpsFixture[] = [
  {
    name: 'x264 High 1280x720 @ 30',
    hex: '6764001facd9405005bb0110000003001000000303c0f1831960',
    expected: {
      profileIdc: 100,
      constraintFlags: 0,
      levelIdc: 31,
      width: 1280,
      height: 720,
      frameRate: 30,
      chromaFormatIdc: 1,
      bitDepth: 8,
    },
  },
  {
    name: 'x264 High 854x480 @ 30 (odd width, cropped by 10)',
    hex: '6764001facd940d83de6f0110000030001000003003c0f183196',
    expected: { profileIdc: 100, width: 854, height: 480, codedWidth: 864, frameRate: 30 },
  },
  {
    name: 'x264 High portrait 720x1280 @ 30',
    hex: '6764001facd940b40a1b0110000003001000000303c0f1831960',
    expected: { profileIdc: 100, width: 720, height: 1280, frameRate: 30 },
  },
  {
    name: 'x264 Constrained Baseline 640x360 @ 25 (-profile:v baseline)',
    hex: '6742c01ed900a02ff97011000003000100000300320f162e48',
    expected: {
      profileIdc: 66,
      constraintFlags: 0xc0,
      levelIdc: 30,
      width: 640,
      height: 360,
      codedHeight: 368,
      frameRate: 25,
      chromaFormatIdc: 1,
      bitDepth: 8,
    },
  },
  {
    name: 'x264 Main 1920x1080 @ 30000/1001 (-profile:v main)',
    hex: '674d4028eca03c0113f2e022000007d20001d4c01e30632c',
    expected: {
      profileIdc: 77,
      constraintFlags: 0x40,
      levelIdc: 40,
      width: 1920,
      height: 1080,
      codedHeight: 1088,
      frameRate: 30000 / 1001,
      timing: { numUnitsInTick: 1001, timeScale: 60000, fixedFrameRate: false },
    },
  },
  {
    name: 'x264 High 4:4:4 Predictive 320x240 @ 60 (-pix_fmt yuv444p)',
    hex: '67f40015919b28283f6022000003000200000300f01e2c5b2c',
    expected: { profileIdc: 244, width: 320, height: 240, frameRate: 60, chromaFormatIdc: 3, bitDepth: 8 },
  },
  {
    name: 'x264 High 10 320x240 @ 24 (-pix_fmt yuv420p10le)',
    hex: '676e000da6cd94141fb011000003000100000300300f142996',
    expected: {
      profileIdc: 110,
      width: 320,
      height: 240,
      frameRate: 24,
      chromaFormatIdc: 1,
      bitDepth: 10,
      bitDepthChroma: 10,
    },
  },
  {
    name: 'x264 High 4:2:2 322x242 @ 24 (-pix_fmt yuv422p, odd crop in both axes)',
    hex: '677a000dbcd9415087888fc044000003000400000300c03c50a658',
    expected: {
      profileIdc: 122,
      width: 322,
      height: 242,
      codedWidth: 336,
      codedHeight: 256,
      frameRate: 24,
      chromaFormatIdc: 2,
      bitDepth: 8,
    },
  },
  {
    name: 'x264 High interlaced 720x576 @ 25 (-x264-params interlaced=1)',
    hex: '6764001eacd940b424d8088000000300800000190f8a14cb',
    expected: { profileIdc: 100, width: 720, height: 576, frameMbsOnly: false, frameRate: 25 },
  },
];

/**
 * Synthetic SPS built with testing/h264-sps-builder.ts to reach syntax x264
 * never emits (x264 signals custom matrices in the PPS, never the SPS).
 * Each was checked with FFmpeg's CBS parser
 * (`ffmpeg -f h264 -i sps.h264 -c copy -bsf:v trace_headers -f null -`),
 * which parsed every field listed here up to rbsp_stop_one_bit.
 */
export const CRAFTED_SPS_FIXTURES: readonly SpsFixture[] = [
  {
    name: 'High with SPS scaling lists (explicit, default and absent) and 60000/1001 timing',
    hex: '6764001fad94c6318c6318c6318c63422843fff9a4924924924924924924924924924809e92492492492492492847650280f6c04400000fa40003a9801',
    expected: {
      profileIdc: 100,
      width: 640,
      height: 480,
      frameRate: 60000 / 2002,
      sampleAspectRatio: { width: 1, height: 1 },
    },
  },
  {
    name: 'Main with pic_order_cnt_type 1, cropping, extended SAR and no timing',
    hex: '674d001fd13210e28a0a0ff6bff80020001b7010101a4080',
    expected: {
      profileIdc: 77,
      width: 316,
      height: 238,
      sampleAspectRatio: { width: 4, height: 3 },
      frameRate: undefined,
    },
  },
  {
    name: 'Constrained Baseline 176x144 without VUI',
    hex: '6742c01eeca16272',
    expected: { profileIdc: 66, constraintFlags: 0xc0, width: 176, height: 144, frameRate: undefined },
  },
  {
    name: 'High monochrome (chroma_format_idc 0) with 1-sample crop units',
    hex: '6764001ff3650a15d249',
    expected: { chromaFormatIdc: 0, width: 158, height: 158 },
  },
  {
    name: 'High 4:4:4 with separate colour planes and 12 scaling lists',
    hex: '67f4001f93a0020205b6db6db6db6db6db6db6db6db6db6db6db6db6db6db6db7b2850af24c8',
    expected: { profileIdc: 244, chromaFormatIdc: 3, separateColourPlane: true, width: 157, height: 155 },
  },
  {
    name: 'High field-coded (frame_mbs_only 0) with bottom crop in field units',
    hex: '6764001facd940b422fda0',
    expected: { frameMbsOnly: false, width: 720, height: 536, codedHeight: 544 },
  },
];
