import type { AudioSpecificConfig } from './aac-audio-specific-config';

/**
 * RFC 6381 codec string for HLS CODECS / MSE, e.g. "mp4a.40.2" (AAC-LC) or
 * "mp4a.40.5" (HE-AAC). Uses the signalled object type, which is what
 * players expect for explicitly signalled HE-AAC.
 */
export function aacCodecString(config: Pick<AudioSpecificConfig, 'objectType'>): string {
  return `mp4a.40.${config.objectType}`;
}
