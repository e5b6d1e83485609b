import { acceptsFourCc, type RtmpEnhancedCapabilities, type StreamHubTracks } from '@mediaplane/media-io';

/** Readable names of the E-RTMP FourCCs, for the refusal a player's user reads. */
const CODEC_NAMES: Record<string, string> = {
  avc1: 'H.264',
  hvc1: 'HEVC',
  av01: 'AV1',
  vp09: 'VP9',
  mp4a: 'AAC',
  Opus: 'Opus',
  fLaC: 'FLAC',
  'ac-3': 'AC-3',
  'ec-3': 'E-AC-3',
  '.mp3': 'MP3',
};

/**
 * Why an RTMP player cannot be given this stream, or undefined when it can.
 * A track whose tags carry an E-RTMP ex-header reaches only players whose
 * connect announced its FourCC (fourCcList or the FourCC info maps): a
 * legacy player would read the ex-header as a legacy codec id and decode
 * garbage (FFmpeg 5.1 takes 'hvc1' CodedFramesX for Screen Video). Legacy
 * FLV tags (H.264, AAC, HEVC as codec id 12) play for everyone, as before.
 */
export function enhancedPlayRefusal(tracks: Readonly<StreamHubTracks>, caps: RtmpEnhancedCapabilities): string | undefined {
  for (const [kind, fourCc] of [
    ['video', tracks.videoFourCc],
    ['audio', tracks.audioFourCc],
  ] as const) {
    if (fourCc === undefined || acceptsFourCc(caps, kind, fourCc)) continue;
    const name = CODEC_NAMES[fourCc] ?? fourCc;
    const where = kind === 'video' ? 'videoFourCcInfoMap' : 'audioFourCcInfoMap';
    return `stream ${kind} is ${name} (E-RTMP '${fourCc}'); this player's connect did not announce it in fourCcList or ${where}`;
  }
  return undefined;
}
