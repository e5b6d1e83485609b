import type { Av1SequenceHeader } from './av1-sequence-header';

const AV1_PROFILES = ['Main', 'High', 'Professional'] as const;
/** seq_level_idx 31: no level constraint (AV1 spec A.3). */
const AV1_LEVEL_MAX = 31;

/** "Main", "High" or "Professional" for seq_profile 0–2. */
export function av1ProfileName(profile: number): string {
  return AV1_PROFILES[profile] ?? `profile ${profile}`;
}

/** seq_level_idx as the level's number (idx 8 → 4.0, idx 13 → 5.1); undefined for 31, which sets no level. */
export function av1LevelNumber(seqLevelIdx: number): number | undefined {
  if (seqLevelIdx >= AV1_LEVEL_MAX) return undefined;
  return 2 + (seqLevelIdx >> 2) + (seqLevelIdx & 3) / 10;
}

/** The codec string of AV1-ISOBMFF's "Codecs Parameter String" (HLS CODECS, MSE), e.g. "av01.0.04M.08". */
export function av1CodecString(header: Pick<Av1SequenceHeader, 'profile' | 'level' | 'tier' | 'highBitdepth' | 'twelveBit'>): string {
  const bitDepth = header.twelveBit ? 12 : header.highBitdepth ? 10 : 8;
  const level = String(header.level).padStart(2, '0');
  return `av01.${header.profile}.${level}${header.tier ? 'H' : 'M'}.${String(bitDepth).padStart(2, '0')}`;
}
