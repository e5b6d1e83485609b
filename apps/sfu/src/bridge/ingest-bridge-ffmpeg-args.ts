import type { PlainRtpStream } from '../engine/rtc-engine';

export interface IngestBridgeArgsInput {
  sdpPath: string;
  streams: readonly PlainRtpStream[];
  /** rtmp://host:port/live/<relay token>; never logged. */
  rtmpUrl: string;
  /** Keyframe spacing, in seconds, when the video is re-encoded (VP8 → H.264). */
  gopSeconds: number;
  /** Bitrate of the H.264 encode of a VP8 publisher, kbit/s. */
  videoKbps: number;
  audioKbps: number;
}

/**
 * FFmpeg arguments of one bridge run: plain RTP in (described by the SDP
 * file), FLV out to the ingest over RTMP. H.264 passes through untouched (the
 * publisher's keyframes, which the bridge asks for, are the GOP); VP8 is
 * encoded to H.264 for FLV/HLS; Opus, which FLV cannot carry, becomes AAC.
 */
export function ingestBridgeFfmpegArgs(input: IngestBridgeArgsInput): string[] {
  const video = input.streams.find((s) => s.kind === 'video');
  const audio = input.streams.find((s) => s.kind === 'audio');
  if (!video && !audio) throw new Error('ingestBridgeFfmpegArgs(): no streams');
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-nostats', '-progress', 'pipe:1'];
  // A WebRTC publisher's RTP has no SPS/PPS in the SDP: the probe waits for the first keyframe to find them.
  args.push('-protocol_whitelist', 'file,udp,rtp', '-analyzeduration', '5000000', '-probesize', '5000000', '-f', 'sdp', '-i', input.sdpPath);
  if (video) {
    args.push('-map', '0:v:0');
    if (video.mimeType === 'video/H264') args.push('-c:v', 'copy');
    else {
      const kbps = input.videoKbps;
      args.push(
        ...['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-bf', '0'],
        ...['-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps * 2}k`],
        ...['-force_key_frames', `expr:gte(t,n_forced*${input.gopSeconds})`],
      );
    }
  }
  if (audio) args.push('-map', '0:a:0', '-c:a', 'aac', '-b:a', `${input.audioKbps}k`, '-ar', '48000', '-ac', '2');
  args.push('-f', 'flv', '-flvflags', 'no_duration_filesize', input.rtmpUrl);
  return args;
}
