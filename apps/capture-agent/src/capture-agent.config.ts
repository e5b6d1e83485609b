import { z } from 'zod';
import { commonConfigShape, count, flag, list, millis, port } from '@mediaplane/config';
import { androidConfigShape } from './android/android.config';

export const captureAgentConfigSchema = z.object({
  ...commonConfigShape,
  CAPTURE_AGENT_HTTP_PORT: port(8085).describe('HTTP port: health, readiness, metrics.'),
  CAPTURE_AGENT_FFMPEG_PATH: z.string().min(1).default('ffmpeg').describe('FFmpeg binary (publish runs, slate, built-in sources).'),
  CAPTURE_AGENT_FFPROBE_PATH: z.string().min(1).default('ffprobe').describe('ffprobe binary (checks that an X display answers and reads its size).'),
  CAPTURE_AGENT_TEST_PATTERN: flag(true).describe(
    'List the test-pattern device (moving picture, burned-in clock, tone) so a fresh deployment can be smoke-tested end to end.',
  ),
  CAPTURE_AGENT_DISPLAYS: list().describe(
    'X displays to offer as desktop devices, comma-separated (`:0,:1`); empty = `$DISPLAY` when set. Each is listed while it answers.',
  ),
  CAPTURE_AGENT_PULSE_SOURCE: z
    .string()
    .default('default')
    .describe('PulseAudio source recorded with a desktop when PulseAudio is present (a server socket or `PULSE_SERVER`); empty = no desktop audio.'),
  CAPTURE_AGENT_CAMERAS: flag(true).describe('Discover V4L2 cameras (`/dev/video*` with a capture interface).'),
  CAPTURE_AGENT_V4L2_DIR: z.string().min(1).default('/sys/class/video4linux').describe('Where V4L2 devices are listed (sysfs); replaceable in tests.'),
  CAPTURE_AGENT_ALSA_CARDS: z
    .string()
    .min(1)
    .default('/proc/asound/cards')
    .describe('ALSA card list; when it names a card, cameras are captured with `CAPTURE_AGENT_ALSA_DEVICE` audio.'),
  CAPTURE_AGENT_ALSA_DEVICE: z.string().default('default').describe('ALSA capture device used with cameras when ALSA has a card; empty = no camera audio.'),
  CAPTURE_AGENT_DISCOVERY_MS: millis(2000).describe('How often displays and cameras are re-checked (hot-plug: added and removed devices).'),
  CAPTURE_AGENT_H264_PASSTHROUGH: flag(true).describe("Pass a device's H.264 through (`-c:v copy`) instead of re-encoding it to the requested quality."),
  CAPTURE_AGENT_X264_PRESET: z
    .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'])
    .default('veryfast')
    .describe('libx264 preset when a capture is re-encoded (always with `-tune zerolatency` and a keyframe every 2 s).'),
  CAPTURE_AGENT_STALL_TIMEOUT_MS: millis(8000).describe('A publish run whose output time stops advancing this long is killed and restarted.'),
  CAPTURE_AGENT_START_TIMEOUT_MS: millis(15000).describe("Same, before a run's first progress (device start-up, connecting to ingest)."),
  CAPTURE_AGENT_BACKOFF_INITIAL_MS: millis(500).describe('First reconnect delay after a publish run fails; doubles per failure with jitter.'),
  CAPTURE_AGENT_BACKOFF_MAX_MS: millis(10000).describe('Cap of the reconnect delay.'),
  CAPTURE_AGENT_DEVICE_RETRY_MS: millis(3000).describe(
    "While a device's feed has failed but the device is still listed, the slate runs this long before its feed is tried again.",
  ),
  CAPTURE_AGENT_WHIP_ICE_ADDRESS: z
    .string()
    .default('')
    .describe('Local address the WHIP output gathers ICE candidates on (e.g. `127.0.0.1` when the SFU is on this host); empty = every interface.'),
  CAPTURE_AGENT_WHIP_CONNECT_TIMEOUT_MS: millis(15000).describe('How long one WHIP attempt (POST, ICE, DTLS) may take before it is retried with backoff.'),
  CAPTURE_AGENT_KEYFRAME_MAX_WAIT_MS: millis(2000).describe(
    "WHIP output: a receiver's keyframe request (PLI/FIR, e.g. a viewer joining) restarts the publish run — which begins with a keyframe — unless the source's own next keyframe is due within this long (re-encoded runs have one every 2 s; a device's passed-through H.264 may have 10 s).",
  ),
  CAPTURE_AGENT_KEYFRAME_MIN_INTERVAL_MS: millis(3000).describe(
    'WHIP output: at most one keyframe restart this often; requests in between are answered by that restart or by one when the interval is over.',
  ),
  CAPTURE_AGENT_ADAPTIVE: flag(true).describe(
    "WHIP output: follow the SFU's RTCP feedback (loss, RTT, REMB) one quality step at a time (720p30 2500 → … → 360p15 300 kb/s, capped by the requested quality).",
  ),
  CAPTURE_AGENT_ADAPTIVE_UP_AFTER_MS: millis(8000).describe(
    'Adaptive quality: how long the feedback must stay clean before stepping one rung up (doubled, up to 60 s, after a rung had to be left again soon).',
  ),
  CAPTURE_AGENT_ADAPTIVE_SIGNALS: z
    .string()
    .default('loss,rtt,estimate')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(['loss', 'rtt', 'estimate'])))
    .describe(
      'Adaptive quality: which receiver feedback may step the quality down — `loss` (RTCP RR fraction lost), `rtt` (RR round trip), `estimate` (REMB). Comma-separated.',
    ),
  CAPTURE_AGENT_INPUT_RATE: count(20).describe('Remote input events per second allowed per device (token bucket refill).'),
  CAPTURE_AGENT_INPUT_BURST: count(40).describe('Remote input events a device may receive at once (token bucket size).'),
  ...androidConfigShape,
});
export type CaptureAgentConfig = z.infer<typeof captureAgentConfigSchema>;
