import type { MediaInfo } from '@mediaplane/contracts';

/**
 * How the bridge's FFmpeg reads the stream from its relay: `flv`, the
 * ingest's FLV as it comes, or `matroska`, the same tags muxed into Matroska
 * by the relay (FlvToMatroskaMuxer). Debian's FFmpeg 5.1 reads only the
 * legacy FLV codecs: HEVC (E-RTMP 'hvc1' or codec id 12), E-RTMP AV1, VP9,
 * Opus, FLAC, AC-3 and E-AC-3 it reads in Matroska (HEVC and Opus also in MPEG-TS, where its
 * H.264/HEVC parser holds every frame until the next one begins: ~50 ms more
 * glass-to-glass, measured).
 */
export type BridgeInputFormat = 'flv' | 'matroska';

export interface BridgeInput {
  format: BridgeInputFormat;
  /** The source's audio is Opus, WebRTC's codec already: copied into RTP, not decoded and encoded again. */
  copyAudio: boolean;
}

/** Codecs FFmpeg 5.1 does not read in FLV (as the live state names them), which the relay's Matroska muxer carries. */
const MATROSKA_ONLY_VIDEO = new Set(['hevc', 'av1', 'vp9']);
const MATROSKA_ONLY_AUDIO = new Set(['opus', 'flac', 'ac3', 'eac3']);

/**
 * FLV where FFmpeg reads every codec of the stream in it (H.264 and the
 * legacy FLV audio codecs), Matroska where it needs to (HEVC, AV1, VP9, Opus, FLAC, AC-3, E-AC-3);
 * `unsupported` names a legacy codec beside one only Matroska carries, which neither input reads.
 */
export function decideBridgeInput(media: MediaInfo): BridgeInput | { unsupported: string } {
  const video = media.video?.codec;
  const audio = media.audio?.codec;
  const copyAudio = audio === 'opus';
  const matroska = (video !== undefined && MATROSKA_ONLY_VIDEO.has(video)) || (audio !== undefined && MATROSKA_ONLY_AUDIO.has(audio));
  if (!matroska) return { format: 'flv', copyAudio };
  // The muxer carries H.264, HEVC, AV1 and VP9, AAC, Opus, FLAC, AC-3 and E-AC-3 only: a legacy codec beside a Matroska-only one is read by neither.
  if (video !== undefined && video !== 'h264' && !MATROSKA_ONLY_VIDEO.has(video)) return { unsupported: `video codec ${video} beside ${audio ?? 'no audio'}` };
  if (audio !== undefined && audio !== 'aac' && !MATROSKA_ONLY_AUDIO.has(audio)) return { unsupported: `audio codec ${audio} beside ${video ?? 'no video'}` };
  return { format: 'matroska', copyAudio };
}
