import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { commonConfigShape, count, list, millis, playbackSecretShape, port } from '@mediaplane/config';
import { isValidAllowlistEntry } from '@mediaplane/sessions';

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
    .describe('Where recordings of streams with `record: true` go (MPEG-TS, or Matroska for AV1 and VP9 sources; playable even if the worker dies).'),
  TRANSCODE_FFMPEG_PATH: z.string().min(1).default('ffmpeg').describe('FFmpeg binary.'),
  TRANSCODE_FFPROBE_PATH: z.string().min(1).default('ffprobe').describe('ffprobe binary (used when the live state lacks the source size).'),
  TRANSCODE_ENCODER: z.enum(ENCODER_CHOICES).default('auto').describe('H.264 encoder; `auto` probes NVENC, QSV and VAAPI at start and falls back to libx264.'),
  TRANSCODE_VAAPI_DEVICE: z.string().default('/dev/dri/renderD128').describe('DRM render node for VAAPI.'),
  TRANSCODE_JOB_ACK_WAIT_MS: millis(1500).describe(
    'JetStream ack wait of a job: a worker that stops confirming for this long (dead or hung) loses the job to another worker. The running worker confirms every third of it.',
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
  /** Restream targets outside public unicast (loopback, private, link-local …) this worker may push to. */
  MEDIAPLANE_RESTREAM_ALLOWLIST: list()
    .refine((entries) => entries.every(isValidAllowlistEntry), 'every entry must be a host name, an IP address or a CIDR (e.g. 10.0.0.0/8)')
    .describe(
      'Comma-separated hosts, addresses or CIDRs restream outputs may target although they are not public unicast (loopback, private, link-local …; e.g. 127.0.0.1,10.0.0.0/8). Set the same list on the control plane, which checks it when an output is added; workers check it again before every connection.',
    ),
  /** Live streams whose restream outputs one worker runs at once (each output is one FFmpeg or E-RTMP tag push, copying). */
  TRANSCODE_RESTREAM_MAX_STREAMS: count(32).describe(
    'Live streams whose restream outputs this worker runs at once (one process per output — FFmpeg, or the E-RTMP tag push — copying without re-encoding); further streams go to other workers.',
  ),
  /** Cap of the backoff between reconnect attempts of one restream output. */
  TRANSCODE_RESTREAM_BACKOFF_MAX_MS: millis(30_000).describe(
    'Cap of the jittered exponential backoff between reconnect attempts of a restream output whose target fails (starts at 1 s).',
  ),
  /** How often running outputs are reported (bytes, state); every third report also re-reads the output list and checks the stream is live. */
  TRANSCODE_RESTREAM_REPORT_MS: millis(2000).describe(
    "How often each running restream output's state and bytes are reported to the control plane; every third time the worker also re-reads the stream's outputs and checks the stream is still live.",
  ),
});
export type TranscodeConfig = z.infer<typeof transcodeConfigSchema>;
