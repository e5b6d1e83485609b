import { avcCodecString } from '@mediaplane/codecs';

export const AAC_LC_CODEC_STRING = 'mp4a.40.2';

const PROFILES = { baseline: { idc: 66, compat: 0xc0 }, main: { idc: 77, compat: 0x40 }, high: { idc: 100, compat: 0x00 } } as const;

/** RFC 6381 string of what libx264 writes for a profile and level (constraint flags as x264 sets them). */
export function avcCodecStringFor(profile: keyof typeof PROFILES, levelIdc: number): string {
  const p = PROFILES[profile];
  return avcCodecString({ profile: p.idc, compatibility: p.compat, level: levelIdc });
}

/** From ffprobe's `profile` name and `level` number, for a passthrough source whose ingest did not report a codec string. */
export function avcCodecStringFromProbe(profileName: string | undefined, level: number | undefined): string | undefined {
  if (!profileName || !level || level <= 0) return undefined;
  const name = profileName.toLowerCase();
  const profile = name.includes('high') ? 'high' : name.includes('main') ? 'main' : name.includes('baseline') ? 'baseline' : undefined;
  return profile ? avcCodecStringFor(profile, level) : undefined;
}
