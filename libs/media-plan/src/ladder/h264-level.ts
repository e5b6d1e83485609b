/** H.264 Annex A limits per level: max macroblocks/s, max frame size in macroblocks, max bitrate (kbit/s, Main; High allows 1.25×). */
const LEVELS: ReadonlyArray<{ idc: number; mbps: number; fs: number; brKbps: number }> = [
  { idc: 30, mbps: 40_500, fs: 1_620, brKbps: 10_000 },
  { idc: 31, mbps: 108_000, fs: 3_600, brKbps: 14_000 },
  { idc: 32, mbps: 216_000, fs: 5_120, brKbps: 20_000 },
  { idc: 40, mbps: 245_760, fs: 8_192, brKbps: 20_000 },
  { idc: 41, mbps: 245_760, fs: 8_192, brKbps: 50_000 },
  { idc: 42, mbps: 522_240, fs: 8_704, brKbps: 50_000 },
  { idc: 50, mbps: 589_824, fs: 22_080, brKbps: 135_000 },
  { idc: 51, mbps: 983_040, fs: 36_864, brKbps: 240_000 },
  { idc: 52, mbps: 2_073_600, fs: 36_864, brKbps: 240_000 },
  { idc: 60, mbps: 4_177_920, fs: 139_264, brKbps: 240_000 },
  { idc: 61, mbps: 8_355_840, fs: 139_264, brKbps: 480_000 },
  { idc: 62, mbps: 16_711_680, fs: 139_264, brKbps: 800_000 },
];

/**
 * The lowest High-profile level (3.0 at least, as players expect) that fits a
 * rendition, as `level_idc` (31 = 3.1). We set it explicitly so the CODECS
 * attribute of the master playlist is known before the encoder starts.
 */
export function h264LevelIdc(width: number, height: number, fps: number, maxrateKbps: number): number {
  const frameMbs = Math.ceil(width / 16) * Math.ceil(height / 16);
  const mbps = frameMbs * fps;
  const fit = LEVELS.find((l) => frameMbs <= l.fs && mbps <= l.mbps && maxrateKbps <= l.brKbps * 1.25);
  return (fit ?? LEVELS[LEVELS.length - 1]!).idc;
}

/** `31` → `3.1`, as libx264's `-level` takes it. */
export function levelText(idc: number): string {
  return `${Math.floor(idc / 10)}.${idc % 10}`;
}
