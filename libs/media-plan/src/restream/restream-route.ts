import type { RestreamScheme } from '@mediaplane/contracts';
import { mpegTsCarriesVideo } from '../mpegts-codecs';

/** The source's codecs as the live state names them (`media.video.codec`, `media.audio.codec`); undefined: not known. */
export interface RestreamSourceCodecs {
  video?: string;
  audio?: string;
}

/** How one restream output runs. */
export type RestreamRoute =
  /** FFmpeg copying the stream (its sound made AAC where MPEG-TS cannot carry it: mpegTsAudioArgs). */
  | { kind: 'ffmpeg' }
  /** The E-RTMP tag push (e-rtmp-push-main in the transcode app): the FLV tags as they are, for codecs FFmpeg 5.1's FLV muxer cannot write. */
  | { kind: 'tag-push' }
  /** Not possible for this target: the reason, shown as the output's failure. */
  | { kind: 'refused'; reason: string };

/** Codecs that only Enhanced RTMP carries in FLV, which FFmpeg 5.1 neither reads nor writes there. */
const E_RTMP_VIDEO = new Set(['hevc', 'av1', 'vp9']);
const E_RTMP_AUDIO = new Set(['opus', 'ac3', 'eac3', 'flac']);

/**
 * RTMP(S) targets get FFmpeg for legacy FLV codecs and the tag push for
 * Enhanced RTMP ones (the target must take E-RTMP, as YouTube does for HEVC
 * and AV1 from OBS 30). SRT targets get FFmpeg writing MPEG-TS from the pull
 * it reads (livePullOf), which carries H.264, HEVC, AAC, MP3, Opus, AC-3 and
 * E-AC-3 as they are and FLAC as AAC; AV1 and VP9 have no MPEG-TS mapping
 * there, so such an output is refused with that reason.
 */
export function restreamRoute(scheme: RestreamScheme, codecs: RestreamSourceCodecs): RestreamRoute {
  const { video, audio } = codecs;
  if (scheme !== 'srt') {
    const enhanced = (video !== undefined && E_RTMP_VIDEO.has(video)) || (audio !== undefined && E_RTMP_AUDIO.has(audio));
    return enhanced ? { kind: 'tag-push' } : { kind: 'ffmpeg' };
  }
  if (video !== undefined && !mpegTsCarriesVideo(video)) {
    return {
      kind: 'refused',
      reason: `${video.toUpperCase()} video cannot be carried in MPEG-TS to an SRT target (no stream type in this worker's FFmpeg 5.1); push it over RTMP or RTMPS`,
    };
  }
  return { kind: 'ffmpeg' };
}
