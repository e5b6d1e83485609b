import type { BridgeInputFormat } from './bridge-input';
import type { BridgeMode } from './bridge-mode';

/** Where one RTP stream goes and how it is numbered (what the SFU's plain-RTP producer expects). */
export interface RtpTarget {
  ip: string;
  port: number;
  rtcpPort: number;
  payloadType: number;
  ssrc: number;
}

export interface RtmpBridgeArgsOptions {
  /** Where FFmpeg reads the stream: the bridge's loopback relay (flv-catch-up-relay.ts). */
  inputUrl: string;
  /** What the relay writes there (bridge-input.ts); FLV when not given. */
  inputFormat?: BridgeInputFormat;
  /** The source's audio is Opus: copied into RTP instead of encoded again. */
  copyAudio?: boolean;
  mode: BridgeMode;
  video?: RtpTarget;
  audio?: RtpTarget;
  /** Re-encode only: a keyframe at least this often, so a joining viewer waits at most this long. */
  keyframeIntervalMs: number;
  /** Re-encode only: target video bitrate. */
  videoBitrateKbps: number;
  /** Give up on an input that sends nothing for this long (FFmpeg `-rw_timeout`). */
  inputTimeoutMs: number;
  /** Wall clock (Unix ms) the run starts at: both RTP outputs map media time 0 to it in their sender reports. */
  startedAtMs: number;
}

/** How much faster than real time FFmpeg may read its input (only the cached burst ever comes faster). */
const READ_RATE = 4;

/** Below the path MTU with room for SRTP and header extensions the SFU adds towards browsers. */
const RTP_PACKET_BYTES = 1200;

function rtpUrl(target: RtpTarget): string {
  return `rtp://${target.ip}:${target.port}?rtcpport=${target.rtcpPort}&pkt_size=${RTP_PACKET_BYTES}`;
}

/**
 * `-start_time_realtime`: the RTP muxer otherwise anchors each stream's
 * RTCP sender reports at the wall time of *its own* first packet. The
 * ingest's cache arrives in a burst and audio and video leave FFmpeg at
 * different moments, so the two anchors disagree by up to a GOP and the
 * browser's lip sync holds the picture back by that much (measured: first
 * frame after 4 s instead of under 1 s). One shared anchor keeps them aligned.
 */
function rtpOutput(target: RtpTarget, startedAtMs: number): string[] {
  return [
    '-f',
    'rtp',
    '-start_time_realtime',
    String(startedAtMs * 1000),
    '-ssrc',
    String(target.ssrc),
    '-payload_type',
    String(target.payloadType),
    rtpUrl(target),
  ];
}

/**
 * FFmpeg arguments of one bridge run: the stream's FLV (or, for HEVC, AV1,
 * VP9 and Opus, Matroska) in, RTP to the SFU out (video and audio as two RTP
 * outputs, one port each).
 *
 * passthrough: `-c:v copy` with `h264_mp4toannexb`, which turns the
 * length-prefixed NAL units of FLV and Matroska into Annex B *and* puts
 * SPS/PPS in front of every IDR: both containers carry them only in the
 * track's configuration, and a browser joining over RTP needs them in band.
 *
 * reencode: x264 `veryfast` + `zerolatency` (no B-frames, no lookahead),
 * Constrained Baseline (every WebRTC H.264 decoder takes it), and a keyframe
 * forced every keyframeIntervalMs of media time. FFmpeg ignores the PLI a
 * joining viewer's consumer sends; the catch-up relay answers it by replaying
 * the current GOP (catch-up-layer.ts), and this short, time-based GOP bounds
 * what it replays and how soon viewers move to the main layer.
 *
 * Audio becomes Opus at 48 kHz stereo, WebRTC's one audio codec here, in
 * 10 ms frames: a browser's lip sync holds the picture until the sound can
 * play with it, and a 20 ms frame leaves the bridge only once its last sample
 * has arrived (the AAC source comes in 23 ms frames). An Opus source is
 * copied as it is.
 */
export function rtmpBridgeFfmpegArgs(options: RtmpBridgeArgsOptions): string[] {
  const args = [
    '-hide_banner',
    '-loglevel',
    'warning',
    '-nostdin',
    // A probe of 0.2 s of media: FLV's sequence headers carry the codec parameters, and the relay
    // squeezes the cached GOP into a moment, so a longer probe would only wait for live media before
    // the first packet goes out. Not `-fflags nobuffer`: it discards the packets the probe read, the
    // cached keyframe among them, and the stream copy then waited for the source's next keyframe
    // (measured: first video RTP ~1 s after FFmpeg connected with a 2 s GOP, ~30 ms without it).
    '-analyzeduration',
    '200000',
    '-probesize',
    '500000',
    '-rw_timeout',
    String(options.inputTimeoutMs * 1000),
    // A burst sent on as fast as it comes overflows the SFU's UDP socket, and the lost packets
    // cannot be recovered (FFmpeg ignores NACK and PLI). The relay paces the ingest's cached GOP;
    // this bounds any burst the relay lets through with its original timestamps.
    '-readrate',
    String(READ_RATE),
    // Re-encode decodes the source: with FFmpeg's default frame threads its decoder gives each frame
    // out only after the next ones are in (one per thread), and the audio waited behind it too.
    // Slice threads (parallel where the source has slices) measured 308/329 → 221/237 ms p50/p95
    // glass-to-glass, Chromium's audio buffer 142 → 75 ms, at the same bridge CPU (rtmp-whep bench).
    ...(options.mode === 'reencode' ? ['-thread_type', 'slice'] : []),
    '-f',
    options.inputFormat ?? 'flv',
    '-i',
    options.inputUrl,
    '-progress',
    'pipe:1',
    '-nostats',
  ];
  if (options.video) {
    args.push('-map', '0:v:0');
    if (options.mode === 'passthrough') args.push('-c:v', 'copy', '-bsf:v', 'h264_mp4toannexb');
    else args.push(...reencodeVideoArgs(options));
    args.push(...rtpOutput(options.video, options.startedAtMs));
  }
  if (options.audio) {
    args.push('-map', '0:a:0');
    if (options.copyAudio) args.push('-c:a', 'copy');
    else args.push('-c:a', 'libopus', '-ar', '48000', '-ac', '2', '-b:a', '96k', '-application', 'lowdelay', '-frame_duration', '10');
    args.push(...rtpOutput(options.audio, options.startedAtMs));
  }
  return args;
}

function reencodeVideoArgs(options: RtmpBridgeArgsOptions): string[] {
  const seconds = Math.max(0.1, options.keyframeIntervalMs / 1000);
  const kbps = options.videoBitrateKbps;
  return [
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-tune',
    'zerolatency',
    '-profile:v',
    'baseline',
    '-pix_fmt',
    'yuv420p',
    '-bf',
    '0',
    '-b:v',
    `${kbps}k`,
    '-maxrate',
    `${kbps}k`,
    '-bufsize',
    `${kbps}k`,
    // Time-based, so the interval holds whatever the source frame rate; scene cuts add no extra IDRs.
    '-force_key_frames',
    `expr:gte(t,n_forced*${seconds})`,
    '-sc_threshold',
    '0',
  ];
}
