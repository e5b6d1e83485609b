/** HEVC nal_unit_type: bits 1-6 of the first NAL header byte. */
export function hevcNaluType(nalu: Buffer): number {
  return ((nalu[0] ?? 0) >> 1) & 0x3f;
}

/** HEVC nal_unit_type values that muxers care about (ITU-T H.265 Table 7-1). */
export const HevcNaluType = {
  /** First IRAP type (BLA_W_LP); IRAP pictures are 16..21 (22, 23 reserved IRAP). */
  IrapFirst: 16,
  IrapLast: 21,
  Vps: 32,
  Sps: 33,
  Pps: 34,
  Aud: 35,
  Eos: 36,
  Eob: 37,
  Fd: 38,
  SeiPrefix: 39,
  SeiSuffix: 40,
} as const;

/** An IRAP picture (IDR, CRA or BLA): a decoder can start here. */
export function isHevcIrap(type: number): boolean {
  return type >= HevcNaluType.IrapFirst && type <= HevcNaluType.IrapLast;
}

/** Access unit delimiter (type 35, layer 0, tid 1) with pic_type 2 (any slice type), as FFmpeg writes. */
export const HEVC_AUD_NALU: Buffer = Buffer.from([0x46, 0x01, 0x50]);
