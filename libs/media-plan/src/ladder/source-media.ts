/** What the worker knows about the incoming stream (from the live state, or ffprobe when that lacks it). */
export interface SourceMedia {
  width: number;
  height: number;
  /** Average frame rate as reported; variable-rate sources report odd values. */
  fps?: number;
  /** `h264`, `hevc`, … */
  videoCodec: string;
  /** RFC 6381 string (`avc1.64001f`) when known. */
  videoCodecString?: string;
  hasAudio: boolean;
  audioCodec?: string;
  audioCodecString?: string;
  /** Audio + video bitrate measured at ingest. */
  bitrateKbps?: number;
}
