import { BitWriter } from './bit-writer';

/** Field values for a synthetic SPS; see H.264 7.3.2.1.1. */
export interface SpsFields {
  profileIdc: number;
  constraintFlags: number;
  levelIdc: number;
  spsId: number;
  /** Only written for high profiles (see HIGH_PROFILE_IDCS). */
  chromaFormatIdc: number;
  separateColourPlane: boolean;
  bitDepthLumaMinus8: number;
  bitDepthChromaMinus8: number;
  /**
   * Per scaling list (8, or 12 for 4:4:4): undefined = not present,
   * 'default' = useDefaultScalingMatrixFlag, or the explicit scale values
   * (1..255; 16 entries for lists 0..5, 64 for the rest).
   */
  scalingLists?: (number[] | 'default' | undefined)[];
  log2MaxFrameNumMinus4: number;
  picOrderCntType: number;
  log2MaxPocLsbMinus4: number;
  /** offset_for_ref_frame values when picOrderCntType is 1. */
  pocCycle: number[];
  maxNumRefFrames: number;
  widthMbs: number;
  heightMapUnits: number;
  frameMbsOnly: boolean;
  crop?: { left: number; right: number; top: number; bottom: number };
  vui?: {
    aspectRatioIdc?: number;
    sar?: { width: number; height: number };
    videoSignal?: { fullRange: boolean; colour?: [number, number, number] };
    chromaLoc?: [number, number];
    timing?: { numUnitsInTick: number; timeScale: number; fixedFrameRate: boolean };
  };
}

export const HIGH_PROFILE_IDCS = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135];

export const BASE_SPS_FIELDS: SpsFields = {
  profileIdc: 100,
  constraintFlags: 0,
  levelIdc: 31,
  spsId: 0,
  chromaFormatIdc: 1,
  separateColourPlane: false,
  bitDepthLumaMinus8: 0,
  bitDepthChromaMinus8: 0,
  log2MaxFrameNumMinus4: 0,
  picOrderCntType: 0,
  log2MaxPocLsbMinus4: 2,
  pocCycle: [],
  maxNumRefFrames: 4,
  widthMbs: 80,
  heightMapUnits: 45,
  frameMbsOnly: true,
};

/** SPS RBSP (no NAL header, no emulation prevention). */
export function buildSpsRbsp(f: SpsFields): Buffer {
  const w = new BitWriter();
  w.u(8, f.profileIdc).u(8, f.constraintFlags).u(8, f.levelIdc).ue(f.spsId);
  if (HIGH_PROFILE_IDCS.includes(f.profileIdc)) {
    w.ue(f.chromaFormatIdc);
    if (f.chromaFormatIdc === 3) w.bit(f.separateColourPlane);
    w.ue(f.bitDepthLumaMinus8).ue(f.bitDepthChromaMinus8).bit(0);
    const lists = f.scalingLists;
    w.bit(lists !== undefined);
    if (lists) {
      const count = f.chromaFormatIdc === 3 ? 12 : 8;
      for (let i = 0; i < count; i++) writeScalingList(w, lists[i], i < 6 ? 16 : 64);
    }
  }
  w.ue(f.log2MaxFrameNumMinus4).ue(f.picOrderCntType);
  if (f.picOrderCntType === 0) w.ue(f.log2MaxPocLsbMinus4);
  if (f.picOrderCntType === 1) {
    w.bit(0).se(1).se(-1).ue(f.pocCycle.length);
    for (const offset of f.pocCycle) w.se(offset);
  }
  w.ue(f.maxNumRefFrames)
    .bit(0)
    .ue(f.widthMbs - 1)
    .ue(f.heightMapUnits - 1)
    .bit(f.frameMbsOnly);
  if (!f.frameMbsOnly) w.bit(1);
  w.bit(1);
  w.bit(f.crop !== undefined);
  if (f.crop) w.ue(f.crop.left).ue(f.crop.right).ue(f.crop.top).ue(f.crop.bottom);
  w.bit(f.vui !== undefined);
  if (f.vui) writeVui(w, f.vui);
  return w.trailing().toBuffer();
}

/** Complete SPS NAL unit: header 0x67 + RBSP with emulation prevention. */
export function buildSpsNal(f: SpsFields): Buffer {
  return Buffer.concat([Buffer.from([0x67]), addEmulationPrevention(buildSpsRbsp(f))]);
}

export function addEmulationPrevention(rbsp: Buffer): Buffer {
  const out: number[] = [];
  let zeros = 0;
  for (const byte of rbsp) {
    if (zeros >= 2 && byte <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Buffer.from(out);
}

function writeScalingList(w: BitWriter, list: number[] | 'default' | undefined, size: number): void {
  w.bit(list !== undefined);
  if (list === undefined) return;
  if (list === 'default') {
    w.se(-8); // nextScale = 0 at j = 0 → useDefaultScalingMatrixFlag
    return;
  }
  if (list.length !== size) throw new RangeError(`scaling list needs ${size} entries`);
  let last = 8;
  for (const scale of list) {
    const delta = ((((scale - last + 128) % 256) + 256) % 256) - 128;
    w.se(delta);
    last = scale;
  }
}

function writeVui(w: BitWriter, v: NonNullable<SpsFields['vui']>): void {
  w.bit(v.aspectRatioIdc !== undefined);
  if (v.aspectRatioIdc !== undefined) {
    w.u(8, v.aspectRatioIdc);
    if (v.aspectRatioIdc === 255) w.u(16, v.sar?.width ?? 1).u(16, v.sar?.height ?? 1);
  }
  w.bit(0); // overscan_info_present_flag
  w.bit(v.videoSignal !== undefined);
  if (v.videoSignal) {
    w.u(3, 5)
      .bit(v.videoSignal.fullRange)
      .bit(v.videoSignal.colour !== undefined);
    if (v.videoSignal.colour) for (const c of v.videoSignal.colour) w.u(8, c);
  }
  w.bit(v.chromaLoc !== undefined);
  if (v.chromaLoc) w.ue(v.chromaLoc[0]).ue(v.chromaLoc[1]);
  w.bit(v.timing !== undefined);
  if (v.timing) w.u(32, v.timing.numUnitsInTick).u(32, v.timing.timeScale).bit(v.timing.fixedFrameRate);
  // nal_hrd, vcl_hrd, pic_struct_present, bitstream_restriction all absent
  w.bit(0).bit(0).bit(0).bit(0);
}
