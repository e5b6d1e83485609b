import { spawnSync } from 'node:child_process';

export type IvfVideoCodec = 'av1' | 'vp9';

/**
 * FFmpeg 5.1's real-time encoder arguments for AV1 (libaom) and VP9 (libvpx):
 * no look-ahead, so each frame comes out as it goes in, as from a live
 * encoder; a fixed GOP. For `-f ivf`, the container FFmpeg writes both in
 * (IvfReader and IvfToFlv make E-RTMP tags of it).
 */
export function ivfEncoderArgs(codec: IvfVideoCodec, gop: number, bitrateKbps = 600): string[] {
  const encoder =
    codec === 'av1' ? ['-c:v', 'libaom-av1', '-usage', 'realtime', '-cpu-used', '8'] : ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8'];
  return [...encoder, '-lag-in-frames', '0', '-g', String(gop), '-keyint_min', String(gop), '-b:v', `${bitrateKbps}k`];
}

/** A short AV1 or VP9 test picture as IVF bytes (FFmpeg's testsrc2), encoded at once. */
export function encodeIvf(codec: IvfVideoCodec, options: { frames: number; width: number; height: number; gop: number }): Buffer {
  const source = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${options.width}x${options.height}:rate=25`,
    '-frames:v',
    String(options.frames),
  ];
  const ffmpeg = spawnSync('ffmpeg', [...source, ...ivfEncoderArgs(codec, options.gop), '-f', 'ivf', 'pipe:1'], { maxBuffer: 64 * 1024 * 1024 });
  if (ffmpeg.status !== 0) throw new Error(`ffmpeg could not encode ${codec}: ${ffmpeg.stderr.toString()}`);
  return ffmpeg.stdout;
}
