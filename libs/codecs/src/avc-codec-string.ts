import type { AvcDecoderConfigurationRecord } from './avc-decoder-configuration-record';

/** RFC 6381 codec string for HLS CODECS / MSE, e.g. "avc1.64001f" (High, level 3.1). */
export function avcCodecString(record: Pick<AvcDecoderConfigurationRecord, 'profile' | 'compatibility' | 'level'>): string {
  const hex = (v: number): string => (v & 0xff).toString(16).padStart(2, '0');
  return `avc1.${hex(record.profile)}${hex(record.compatibility)}${hex(record.level)}`;
}
