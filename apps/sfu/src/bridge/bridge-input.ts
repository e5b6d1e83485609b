import type { MediaInfo } from '@mediaplane/contracts';

/**
 * How the bridge's FFmpeg reads the stream from its relay: `flv`, the
 * ingest's FLV as it comes, or `mpegts`, the same tags muxed into MPEG-TS by
 * the relay (FlvToMpegTsMuxer). Debian's FFmpeg 5.1 reads only the legacy
 * FLV codecs: HEVC (E-RTMP 'hvc1' or codec id 12) and E-RTMP Opus it reads
 * in MPEG-TS only.
 */
export type BridgeInputFormat = 'flv' | 'mpegts';

export interface BridgeInput {
  format: BridgeInputFormat;
  /** The source's audio is Opus, WebRTC's codec already: copied into RTP, not decoded and encoded again. */
  copyAudio: boolean;
}

/** Codecs FFmpeg 5.1 reads only in MPEG-TS (as the live state names them), which the relay's muxer carries. */
const MPEGTS_ONLY_VIDEO = new Set(['hevc']);
const MPEGTS_ONLY_AUDIO = new Set(['opus']);
/** E-RTMP codecs FFmpeg 5.1 reads in neither FLV nor MPEG-TS (the muxer does not carry them). */
const UNREADABLE = new Set(['av1', 'vp9', 'flac', 'ac3', 'eac3']);

/**
 * FLV where FFmpeg reads every codec of the stream in it (H.264 and the
 * legacy FLV audio codecs: the path tuned for fast joins and measured by the
 * rtmp-whep bench), MPEG-TS where it needs to (HEVC, Opus); `unsupported`
 * names a codec the bridge cannot read at all.
 */
export function decideBridgeInput(media: MediaInfo): BridgeInput | { unsupported: string } {
  const video = media.video?.codec;
  const audio = media.audio?.codec;
  if (video !== undefined && UNREADABLE.has(video)) return { unsupported: `video codec ${video}` };
  if (audio !== undefined && UNREADABLE.has(audio)) return { unsupported: `audio codec ${audio}` };
  const copyAudio = audio === 'opus';
  const mpegts = (video !== undefined && MPEGTS_ONLY_VIDEO.has(video)) || (audio !== undefined && MPEGTS_ONLY_AUDIO.has(audio));
  if (!mpegts) return { format: 'flv', copyAudio };
  // The muxer carries H.264 and HEVC, AAC and Opus only: a legacy codec beside an MPEG-TS-only one is read by neither.
  if (video !== undefined && video !== 'h264' && video !== 'hevc') return { unsupported: `video codec ${video} beside ${audio ?? 'no audio'}` };
  if (audio !== undefined && audio !== 'aac' && audio !== 'opus') return { unsupported: `audio codec ${audio} beside ${video ?? 'no video'}` };
  return { format: 'mpegts', copyAudio };
}
