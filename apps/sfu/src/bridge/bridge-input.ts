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

/** Codecs FFmpeg 5.1 reads in FLV, as the live state names them. */
const FLV_VIDEO = new Set(['h264']);
const FLV_AUDIO = new Set(['aac', 'mp3']);
/** Codecs the relay's MPEG-TS muxer carries. */
const MPEGTS_VIDEO = new Set(['h264', 'hevc']);
const MPEGTS_AUDIO = new Set(['aac', 'opus']);

/**
 * FLV where FFmpeg reads every codec of the stream in it (the path tuned for
 * fast joins and measured by the rtmp-whep bench), MPEG-TS where it needs
 * to; `unsupported` names a codec neither carries (AV1, VP9), which the
 * bridge cannot read at all.
 */
export function decideBridgeInput(media: MediaInfo): BridgeInput | { unsupported: string } {
  const video = media.video?.codec;
  const audio = media.audio?.codec;
  const copyAudio = audio === 'opus';
  if ((video === undefined || FLV_VIDEO.has(video)) && (audio === undefined || FLV_AUDIO.has(audio))) return { format: 'flv', copyAudio };
  if (video !== undefined && !MPEGTS_VIDEO.has(video)) return { unsupported: `video codec ${video}` };
  if (audio !== undefined && !MPEGTS_AUDIO.has(audio)) return { unsupported: `audio codec ${audio}` };
  return { format: 'mpegts', copyAudio };
}
