/**
 * Audio codecs FFmpeg's MPEG-TS muxer writes as audio streams, so a stream copy keeps them playable. Any other (FLAC)
 * it would write as opaque private data no player reads.
 */
const MPEGTS_COPYABLE_AUDIO = new Set(['aac', 'mp3', 'opus', 'ac3', 'eac3']);
const MPEGTS_AAC_KBPS = 192;
/** Video FFmpeg 5.1's MPEG-TS muxer has no stream type for: it writes them as private data no player reads. */
const NO_MPEGTS_VIDEO = new Set(['av1', 'vp9']);

/**
 * The audio codec arguments for a `-c copy` MPEG-TS output (a recording, an SRT restream): none when the source's
 * sound can be copied (or is unknown), else AAC at 192 kb/s made from it.
 */
export function mpegTsAudioArgs(audioCodec: string | undefined): string[] {
  return audioCodec === undefined || MPEGTS_COPYABLE_AUDIO.has(audioCodec) ? [] : ['-c:a', 'aac', '-b:a', `${MPEGTS_AAC_KBPS}k`];
}

/** Whether a stream copy into MPEG-TS keeps this video playable (unknown video: assumed so). */
export function mpegTsCarriesVideo(videoCodec: string | undefined): boolean {
  return videoCodec === undefined || !NO_MPEGTS_VIDEO.has(videoCodec);
}
