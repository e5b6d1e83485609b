import type { RestreamScheme } from '@mediaplane/contracts';
import { liveInputArgs, type LiveInputFormat } from '../ladder/ffmpeg-ladder-args';
import { mpegTsAudioArgs } from '../mpegts-codecs';

export interface RestreamArgsInput {
  /** `PIPED_FLV_INPUT`: the stream's internal FLV, fed on stdin by the worker (no credential on the command line). */
  inputUrl: string;
  /** The push target (a secret: the caller keeps it out of logs). */
  targetUrl: string;
  scheme: RestreamScheme;
  /** Input read timeout when `inputUrl` is a URL (from stdin, the feeding process owns it). */
  inputTimeoutMs?: number;
  /** How the piped input is read (default FLV; an SRT output reads the pull livePullOf picks for the codecs). */
  inputFormat?: LiveInputFormat;
  /** The source's audio codec: an MPEG-TS output makes AAC of what it cannot carry (mpegTsAudioArgs). */
  audioCodec?: string;
}

/** The container each kind of target takes: FLV over RTMP(S), MPEG-TS over SRT. */
export function restreamFormat(scheme: RestreamScheme): 'flv' | 'mpegts' {
  return scheme === 'srt' ? 'mpegts' : 'flv';
}

/**
 * One output's FFmpeg: read the stream's internal pull and push it unchanged
 * (`-c copy`, no decode, no encode; only FLAC sound to an SRT target is made
 * AAC) to one target. Progress on pipe 1 gives
 * the bytes written (`total_size`) and the output time the supervisor's
 * watchdog follows. Only audio and video are mapped (a data track would
 * make the FLV and MPEG-TS muxers refuse or carry junk). The target URL is
 * the last argument: FFmpeg 5.1 has no way to read it from a file or a
 * pipe, so it is visible in the process list of the worker's host (see
 * apps/transcode/README.md, "Restream outputs").
 */
export function buildRestreamArgs(input: RestreamArgsInput): string[] {
  const format = restreamFormat(input.scheme);
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'warning',
    ...liveInputArgs(input.inputUrl, input.inputTimeoutMs, input.inputFormat),
    '-map',
    '0:v?',
    '-map',
    '0:a?',
    '-c',
    'copy',
    ...(format === 'flv' ? ['-flvflags', 'no_duration_filesize'] : ['-mpegts_flags', '+resend_headers', ...mpegTsAudioArgs(input.audioCodec)]),
    '-progress',
    'pipe:1',
    '-nostats',
    '-f',
    format,
    input.targetUrl,
  ];
}
