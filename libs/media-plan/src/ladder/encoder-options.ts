import { levelText } from './h264-level';
import type { LadderPlan, PlannedRendition } from './ladder-planner';

export const ENCODERS = ['libx264', 'h264_nvenc', 'h264_qsv', 'h264_vaapi'] as const;
export type EncoderName = (typeof ENCODERS)[number];

/** NVENC/QSV/VAAPI have their own preset names; map the ladder's x264 preset onto a comparable speed. */
const NVENC_PRESET: Record<LadderPlan['preset'], string> = { ultrafast: 'p1', superfast: 'p2', veryfast: 'p3', faster: 'p4', fast: 'p5', medium: 'p6' };

/**
 * Video encoder arguments of one encoded rendition. Every encoder gets the
 * same keyframe discipline: a fixed GOP of one segment, no scene-cut
 * keyframes, and keyframes forced at segment boundaries (so every rendition
 * has an IDR at the same instants and players switch cleanly).
 */
export function videoEncoderArgs(encoder: EncoderName, r: PlannedRendition, plan: LadderPlan): string[] {
  const gop = String(plan.gopFrames);
  const rate = ['-b:v', `${r.videoBitrateKbps}k`, '-maxrate', `${r.maxrateKbps}k`, '-bufsize', `${r.bufsizeKbps}k`];
  const forced = ['-force_key_frames', `expr:gte(t,n_forced*${plan.segmentSeconds})`];
  const level = levelText(r.levelIdc ?? 40);
  switch (encoder) {
    case 'libx264':
      return [
        '-c:v',
        'libx264',
        '-preset',
        plan.preset,
        '-profile:v',
        'high',
        '-level:v',
        level,
        '-pix_fmt',
        'yuv420p',
        ...rate,
        '-g',
        gop,
        '-keyint_min',
        gop,
        '-sc_threshold',
        '0',
        ...forced,
      ];
    case 'h264_nvenc':
      return [
        '-c:v',
        'h264_nvenc',
        '-preset',
        NVENC_PRESET[plan.preset],
        '-rc',
        'vbr',
        '-profile:v',
        'high',
        '-level:v',
        level,
        ...rate,
        '-g',
        gop,
        '-no-scenecut',
        '1',
        '-forced-idr',
        '1',
        ...forced,
      ];
    case 'h264_qsv':
      return [
        '-c:v',
        'h264_qsv',
        '-preset',
        plan.preset === 'medium' ? 'medium' : 'veryfast',
        '-profile:v',
        'high',
        ...rate,
        '-g',
        gop,
        '-idr_interval',
        '0',
        '-forced_idr',
        '1',
        ...forced,
      ];
    case 'h264_vaapi':
      return ['-c:v', 'h264_vaapi', '-profile:v', 'high', ...rate, '-g', gop, '-idr_interval', '0', ...forced];
  }
}

/** VAAPI encodes from GPU surfaces: each rendition's frames are uploaded at the end of its filter chain. */
export function encoderUploadFilter(encoder: EncoderName): string | undefined {
  return encoder === 'h264_vaapi' ? 'format=nv12,hwupload' : undefined;
}

/** Global arguments the encoder needs before the input. */
export function encoderGlobalArgs(encoder: EncoderName, vaapiDevice: string): string[] {
  return encoder === 'h264_vaapi' ? ['-vaapi_device', vaapiDevice] : [];
}
