import { mpegTsAudioArgs, mpegTsCarriesVideo } from '../mpegts-codecs';

/** The source, as far as the recording's container depends on it. */
export interface RecordedSource {
  videoCodec?: string;
  audioCodec?: string;
}

/**
 * The file extension of a recording of this source: MPEG-TS (`ts`), which
 * plays however it was cut short, unless its video has no MPEG-TS stream type
 * (AV1, VP9): then Matroska (`mkv`), which takes every codec the platform
 * ingests and whose clusters are written as they come, so a recording cut
 * short by a dying worker still plays up to its last cluster.
 */
export function recordingExtension(source: RecordedSource): 'ts' | 'mkv' {
  return mpegTsCarriesVideo(source.videoCodec) ? 'ts' : 'mkv';
}

/** The output arguments of a recording at `path` (its extension from recordingExtension): the source copied, not encoded. */
export function recordingOutputArgs(source: RecordedSource, path: string): string[] {
  const copy = ['-map', '0:v:0', '-map', '0:a:0?', '-c', 'copy'];
  // Matroska carries any sound as it is; MPEG-TS gets AAC made of what it has no audio stream type for (FLAC).
  if (path.endsWith('.mkv')) return [...copy, '-f', 'matroska', path];
  return [...copy, ...mpegTsAudioArgs(source.audioCodec), '-f', 'mpegts', path];
}
