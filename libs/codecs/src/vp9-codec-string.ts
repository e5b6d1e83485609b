import type { VpCodecConfiguration } from './vp9-frame-header';

/** The VP codec ISO media binding's codec string (HLS CODECS, MSE), e.g. "vp09.00.31.08" (profile 0, level 3.1, 8 bits). */
export function vp9CodecString(config: VpCodecConfiguration): string {
  const two = (v: number): string => String(v).padStart(2, '0');
  return `vp09.${two(config.profile)}.${two(config.level)}.${two(config.bitDepth)}`;
}

/** "Profile 0" to "Profile 3", as ffprobe names them. */
export function vp9ProfileName(profile: number): string {
  return `Profile ${profile}`;
}
