import type { MediaInfo } from '@mediaplane/contracts';

/**
 * passthrough: the source's H.264 goes to viewers untouched (depacketized
 * from FLV, packetized as RTP). reencode: FFmpeg encodes it again for WebRTC.
 */
export type BridgeMode = 'passthrough' | 'reencode';

export interface BridgeModeDecision {
  mode: BridgeMode;
  /** Why, for logs: never a secret, only codec facts. */
  why: string;
}

/** H.264 profiles that cannot carry B-frames (no reordering), so browsers play them as they come. */
const NO_B_FRAME_PROFILES = new Set(['baseline', 'constrained baseline']);

/**
 * Whether the source video can pass through. WebRTC has no reordering:
 * frames must arrive in decode order = display order, i.e. without B-frames.
 * The live state knows the H.264 profile (from the AVC sequence header), and
 * only Baseline and Constrained Baseline rule B-frames out. Main and High
 * streams *may* lack them (x264 zerolatency), but the sequence header does
 * not say so reliably (max_num_reorder_frames is optional VUI), so they are
 * re-encoded: always playable, at the cost of an encoder. A stream without
 * video passes through (only its audio becomes Opus).
 */
export function decideBridgeMode(media: MediaInfo): BridgeModeDecision {
  const video = media.video;
  if (!video) return { mode: 'passthrough', why: 'no video: audio only' };
  if (video.codec !== 'h264') return { mode: 'reencode', why: `video is ${video.codec}, not H.264` };
  const profile = video.profile?.toLowerCase();
  if (profile && NO_B_FRAME_PROFILES.has(profile)) return { mode: 'passthrough', why: `H.264 ${video.profile} has no B-frames` };
  return { mode: 'reencode', why: `H.264 ${video.profile ?? '(profile unknown)'} may carry B-frames` };
}
