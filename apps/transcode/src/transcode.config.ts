import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { commonConfigShape, count, millis, playbackSecretShape, port } from '@mediaplane/config';

export const ENCODER_CHOICES = ['auto', 'libx264', 'h264_nvenc', 'h264_qsv', 'h264_vaapi'] as const;

export const transcodeConfigSchema = z.object({
  ...commonConfigShape,
  ...playbackSecretShape,
  TRANSCODE_HTTP_PORT: port(8084).describe('HTTP port: health, readiness, metrics, and the internal HLS origin edges fetch from.'),
  TRANSCODE_MAX_JOBS: count(2).describe('Streams this worker transcodes at once; at capacity it stops taking jobs so the pool spreads them.'),
  TRANSCODE_WORK_DIR: z
    .string()
    .min(1)
    .default(join(tmpdir(), 'mediaplane-transcode'))
    .transform((p) => resolve(p))
    .describe('Where live HLS segments, playlists and thumbnails are written (a per-instance folder is made inside).'),
  TRANSCODE_RECORDINGS_DIR: z
    .string()
    .min(1)
    .default('recordings')
    .transform((p) => resolve(p))
    .describe('Where recordings of streams with `record: true` go (MPEG-TS, playable even if the worker dies).'),
  TRANSCODE_FFMPEG_PATH: z.string().min(1).default('ffmpeg').describe('FFmpeg binary.'),
  TRANSCODE_FFPROBE_PATH: z.string().min(1).default('ffprobe').describe('ffprobe binary (used when the live state lacks the source size).'),
  TRANSCODE_ENCODER: z.enum(ENCODER_CHOICES).default('auto').describe('H.264 encoder; `auto` probes NVENC, QSV and VAAPI at start and falls back to libx264.'),
  TRANSCODE_VAAPI_DEVICE: z.string().default('/dev/dri/renderD128').describe('DRM render node for VAAPI.'),
  TRANSCODE_JOB_ACK_WAIT_MS: millis(2500).describe(
    'JetStream ack wait of a job: a worker that stops confirming for this long (dead or hung) loses the job to another worker.',
  ),
  TRANSCODE_STALL_TIMEOUT_MS: millis(8000).describe('FFmpeg is restarted when its output time has not advanced for this long.'),
  TRANSCODE_START_TIMEOUT_MS: millis(15000).describe('FFmpeg is restarted when it has produced nothing this long after starting (input probe included).'),
  TRANSCODE_RESTART_BACKOFF_MAX_MS: millis(10000).describe('Cap of the jittered exponential backoff between FFmpeg restarts.'),
  TRANSCODE_HLS_WINDOW: count(6).describe('Segments in each live media playlist (sliding window).'),
  TRANSCODE_THUMBNAIL_INTERVAL_S: count(5).describe('Seconds between thumbnails (thumbnail.jpg next to the master playlist).'),
  TRANSCODE_ORIGIN_TTL_MS: millis(15000).describe("TTL of this worker's HLS origin entry in Redis; refreshed while it produces the stream."),
  TRANSCODE_END_LINGER_MS: millis(20000).describe(
    "How long a finished stream's final playlists stay served (with EXT-X-ENDLIST) before its files are removed.",
  ),
  TRANSCODE_MAX_FPS: count(60).describe('Highest output frame rate; faster sources are resampled to it.'),
});
export type TranscodeConfig = z.infer<typeof transcodeConfigSchema>;
