import { capturePassthrough, fitVideoFilter, liveX264Args, supervisedRunPreamble, type CaptureQualityPlan } from './capture-args';

/**
 * FFmpeg arguments of a capture's WHIP publish run. FFmpeg does the media
 * work — encode (or pass the device's H.264 through), RTP packetization
 * (H.264 FU-A, packetization-mode 1; Opus) — and sends plain RTP to two
 * loopback ports of the agent, whose WebRTC peer (werift) forwards each packet
 * over SRTP to the SFU with its own SSRC, payload type and continuous
 * sequence numbers and timestamps across FFmpeg restarts.
 */

/** RTP payload types FFmpeg stamps (the WebRTC sender rewrites them to what the SFU's answer chose). */
export const WHIP_RTP_PAYLOAD = { video: 96, audio: 111 } as const;
/** RTP packets stay below this so SRTP, header extensions and IP/UDP fit a 1280-byte path MTU. */
export const WHIP_RTP_PACKET_SIZE = 1100;
/** Keyframe interval on the WebRTC path: a joining WHEP viewer waits at most this for its first picture. */
export const WHIP_KEYFRAME_INTERVAL_S = 1;

export interface CaptureWhipArgsOptions {
  inputArgs: readonly string[];
  videoIsH264: boolean;
  allowPassthrough: boolean;
  quality: CaptureQualityPlan;
  /** Loopback ports the agent reads RTP from. */
  videoPort: number;
  audioPort: number;
  stdinInput?: boolean;
  x264Preset?: string;
  audioBitrateKbps?: number;
}

/** Number of inputs (`-i`) in an argument list. */
export function ffmpegInputCount(args: readonly string[]): number {
  return args.filter((a) => a === '-i').length;
}

/**
 * The run: progress on stdout, video from the first input to `videoPort`
 * (Constrained Baseline x264 re-encode, or the feed's H.264 copied with its
 * parameter sets repeated before every keyframe so a joining viewer can
 * decode), and — when the feed has a second input (every source's audio is
 * its last input: the test pattern's tone, the slate's silence, PulseAudio,
 * ALSA) — Opus from it to `audioPort`.
 */
export function captureWhipArgs(options: CaptureWhipArgsOptions): string[] {
  const q = options.quality;
  const passthrough = capturePassthrough(options);
  const video = passthrough
    ? ['-c:v', 'copy', '-bsf:v', 'dump_extra=freq=keyframe']
    : ['-vf', fitVideoFilter(q), ...liveX264Args(q, { preset: options.x264Preset, profile: 'baseline', keyframeIntervalS: WHIP_KEYFRAME_INTERVAL_S })];
  const rtp = (port: number, payloadType: number) => [
    '-payload_type',
    String(payloadType),
    '-f',
    'rtp',
    `rtp://127.0.0.1:${port}?pkt_size=${WHIP_RTP_PACKET_SIZE}`,
  ];
  const inputs = ffmpegInputCount(options.inputArgs);
  const audio =
    inputs >= 2
      ? [
          '-map',
          `${inputs - 1}:a:0`,
          '-vn',
          '-c:a',
          'libopus',
          '-b:a',
          `${options.audioBitrateKbps ?? 64}k`,
          '-ar',
          '48000',
          '-ac',
          '2',
          '-application',
          'lowdelay',
          '-frame_duration',
          '20',
          ...rtp(options.audioPort, WHIP_RTP_PAYLOAD.audio),
        ]
      : [];
  return [
    ...supervisedRunPreamble(options.stdinInput),
    // The RTP muxer prints its SDP to stdout, where the progress reports go; the agent's answer has what it needs.
    '-sdp_file',
    '/dev/null',
    ...options.inputArgs,
    '-map',
    '0:v:0',
    '-an',
    ...video,
    ...rtp(options.videoPort, WHIP_RTP_PAYLOAD.video),
    ...audio,
  ];
}
