import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import { spawnTracked, stopProcess } from './child-processes';

const run = promisify(execFile);

export interface Publisher {
  process: ChildProcess;
  stderr: () => string;
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface TestSourceOptions {
  width?: number;
  height?: number;
  fps?: number;
  /** Seconds of media; omit for "until stopped". */
  durationSec?: number;
  gopFrames?: number;
  videoBitrateKbps?: number;
  audio?: boolean;
  audioSampleRate?: number;
  /** Extra arguments between the inputs and the encoders, e.g. a `-vf` that makes the rate variable. */
  filterArgs?: string[];
  /** false: as fast as FFmpeg can (to make a file); default true, at the pace of a live encoder. */
  realtime?: boolean;
}

export interface PublishOptions extends TestSourceOptions {
  url: string;
  format?: 'flv' | 'mpegts';
  extraOutputArgs?: string[];
}

/**
 * FFmpeg arguments of a real-time lavfi test source (testsrc2 + sine)
 * encoded like a live encoder would (x264 zerolatency, fixed GOP, AAC);
 * the caller appends the output.
 */
export function testSourceArgs(options: TestSourceOptions = {}): string[] {
  const { width = 640, height = 360, fps = 25 } = options;
  const pace = options.realtime === false ? [] : ['-re'];
  const args = ['-hide_banner', '-loglevel', 'warning', '-nostdin', ...pace, '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`];
  if (options.audio !== false) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${options.audioSampleRate ?? 44100}`);
  if (options.durationSec) args.push('-t', String(options.durationSec));
  args.push(...(options.filterArgs ?? []));
  args.push(
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(options.gopFrames ?? fps),
    '-b:v',
    `${options.videoBitrateKbps ?? 800}k`,
  );
  if (options.audio !== false) args.push('-c:a', 'aac', '-b:a', '96k', '-ar', String(options.audioSampleRate ?? 44100));
  return args;
}

/** FFmpeg publishing lavfi test sources (H.264 + AAC) in real time, like an encoder would. */
export function ffmpegPublish(options: PublishOptions): Publisher {
  const args = testSourceArgs(options);
  args.push(...(options.extraOutputArgs ?? []), '-f', options.format ?? 'flv', options.url);
  const child = spawnTracked('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-8000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, stderr: () => err, stop: () => stopProcess(child, 3000, 'SIGINT'), exited };
}

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
  profile?: string;
}

/** ffprobe -show_streams as JSON. */
export async function ffprobe(url: string, extraArgs: string[] = [], timeoutMs = 20_000): Promise<{ streams: ProbedStream[] }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-rw_timeout', String(timeoutMs * 1000), ...extraArgs, '-show_streams', '-of', 'json', url], {
    timeout: timeoutMs,
    maxBuffer: 8 * 1024 * 1024,
  });
  return JSON.parse(stdout) as { streams: ProbedStream[] };
}

/** Frames of a stream as ffprobe reads them (e.g. to check the first frame is a keyframe). */
export async function ffprobeFrames(url: string, args: string[] = [], timeoutMs = 20_000): Promise<Array<Record<string, string | number>>> {
  const { stdout } = await run('ffprobe', ['-v', 'error', ...args, '-show_frames', '-of', 'json', url], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return (JSON.parse(stdout) as { frames: Array<Record<string, string | number>> }).frames;
}

export { run as execFileAsync };
