/**
 * The device side of the fake adb server: the few Android shell commands the
 * capture agent runs (getprop, wm size, screenrecord, screencap, input), with
 * real FFmpeg producing the pictures. Kept apart from the host protocol in
 * fake-adb-server.ts so each file reads on its own.
 */
import type { ChildProcess } from 'node:child_process';
import type net from 'node:net';
import { spawnTracked, stopProcess } from './child-processes';
import { ffmpegWallClockBarcodeFilter } from './clock-barcode';
import type { FakeDeviceFile } from './fake-adb-sync';
import { runAppProcess, type FakeScrcpyServerRecord } from './fake-scrcpy-server';
import { execFileAsync, testSourceArgs } from './ffmpeg';

export interface FakeAdbDeviceOptions {
  /** ro.product.model; default 'Pixel 7'. */
  model?: string;
  /** Physical screen size in portrait, as `wm size` reports it; default 1080x2400. */
  width?: number;
  height?: number;
  manufacturer?: string;
  /** ro.build.version.sdk; default 34. */
  sdk?: number;
  /** Frame rate of the synthetic screen; default 30. */
  fps?: number;
  /** false: `screenrecord` is "inaccessible or not found" (as on some vendor builds), so clients must fall back. */
  screenrecord?: boolean;
  /** Seconds after which screenrecord stops on its own like the real one (180 s on most versions). */
  screenrecordTimeLimitS?: number;
  /** adb state shown in host:devices; default 'device'. */
  state?: 'device' | 'offline' | 'unauthorized';
  /**
   * true: screenrecord burns the wall clock into its picture as the machine-readable barcode of
   * clock-barcode.ts (unit 1 ms), so a bench can read capture-to-glass latency in the viewer. Default false.
   */
  clockBarcode?: boolean;
  /**
   * A pre-encoded H.264 file (see encodeScreenrecordClip) that screenrecord plays, looped at its own pace and
   * copied, instead of encoding a picture: a device that costs the machine almost nothing, so a bench can plug
   * dozens and measure what the agent costs. `--size` and `--bit-rate` are ignored then. Default '' (encode).
   */
  screenrecordClip?: string;
}

export interface RecordedInputCommand {
  /** The command line as the device shell received it. */
  command: string;
  /** Its words after shell quoting is undone, e.g. ['input', 'text', "it's"]. */
  argv: string[];
  /** Date.now() when it arrived. */
  at: number;
}

export interface ScreenrecordRun {
  argv: string[];
  startedAt: number;
  endedAt?: number;
  /** 'time-limit' when it stopped on its own, 'closed' when the client hung up, 'unplugged'. */
  endReason?: 'time-limit' | 'closed' | 'unplugged' | 'error';
}

export interface FakeDevice {
  serial: string;
  options: Required<FakeAdbDeviceOptions>;
  transportId: number;
  rotation: 0 | 90 | 180 | 270;
  inputs: RecordedInputCommand[];
  screenrecords: ScreenrecordRun[];
  /** False once unplugged, so a process cut by the unplug can tell it from a client hanging up. */
  plugged: boolean;
  /** performance.now() at plug: the origin of the device's monotonic clock (scrcpy's PTS). */
  bootedAt: number;
  /** Files pushed over `sync:` (adb push), by absolute path. */
  files: Map<string, FakeDeviceFile>;
  /** UNIX abstract sockets a fake process listens on; `localabstract:<name>` hands the client's stream to it. */
  abstractSockets: Map<string, (socket: net.Socket, leftover: Buffer) => void>;
  /** Told after rotate(), so a running capture can follow the new display size. */
  displayListeners: Set<() => void>;
  scrcpyServers: FakeScrcpyServerRecord[];
}

/** Where a command writes: stdout bytes, stderr bytes, then the exit code once. */
export interface ShellSink {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
  exit(code: number): void;
  /** Resolves when the client closed the stream (so long commands stop). */
  readonly closed: Promise<void>;
  readonly isClosed: boolean;
  /**
   * True when the client receives stderr apart (shell protocol v2). Otherwise adbd gives the process one stream for
   * both, so a process whose diagnostics must reach an exec: client writes them to stdout.
   */
  readonly splitsStderr: boolean;
}

export const DEFAULT_FAKE_DEVICE: Required<FakeAdbDeviceOptions> = {
  model: 'Pixel 7',
  width: 1080,
  height: 2400,
  manufacturer: 'Google',
  sdk: 34,
  fps: 30,
  screenrecord: true,
  screenrecordTimeLimitS: 180,
  state: 'device',
  clockBarcode: false,
  screenrecordClip: '',
};

/**
 * Splits a command line into words like the Android shell (mksh) does for the
 * quoting we need: '…' (literal), "…" (with \" \\ \$ \` escapes), backslash
 * escapes outside quotes. Throws on an unterminated quote.
 */
export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error('unterminated single quote');
      current += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error('unterminated double quote');
        const d = line[i] as string;
        if (d === '"') break;
        if (d === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1] as string)) {
          current += line[i + 1];
          i += 2;
        } else {
          current += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === '\\') {
      if (i + 1 < line.length) current += line[i + 1];
      inWord = true;
      i += 2;
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      i++;
    } else {
      current += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(current);
  return words;
}

function props(device: FakeDevice): Record<string, string> {
  const o = device.options;
  return {
    'ro.product.model': o.model,
    'ro.product.manufacturer': o.manufacturer,
    'ro.product.name': o.model.toLowerCase().replace(/[^a-z0-9]+/g, '_'),
    'ro.product.device': o.model.toLowerCase().replace(/[^a-z0-9]+/g, '_'),
    'ro.build.version.sdk': String(o.sdk),
    'ro.build.version.release': String(Math.max(4, o.sdk - 20)),
    'ro.serialno': device.serial,
  };
}

export function productName(device: FakeDevice): string {
  return props(device)['ro.product.name'] as string;
}

function screenSize(device: FakeDevice): { width: number; height: number } {
  const { width, height } = device.options;
  return device.rotation === 90 || device.rotation === 270 ? { width: height, height: width } : { width, height };
}

/** Everything a device shell is running, so unplug/close can stop it. */
export class FakeDeviceProcesses {
  private readonly children = new Set<ChildProcess>();
  private readonly stoppers = new Set<() => Promise<void>>();

  track(child: ChildProcess): void {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  }

  /**
   * A fake process that owns more than a child (sockets, timers, several FFmpegs), e.g. scrcpy-server: stopAll()
   * calls `stop`. Returns the function that forgets it once it ended by itself.
   */
  trackStopper(stop: () => Promise<void>): () => void {
    this.stoppers.add(stop);
    return () => this.stoppers.delete(stop);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...[...this.stoppers].map((stop) => stop()), ...[...this.children].map((c) => stopProcess(c, 2000, 'SIGKILL'))]);
  }
}

/** Runs one shell command line for `device`, writing to `sink`. */
export async function runFakeShellCommand(
  device: FakeDevice,
  line: string,
  sink: ShellSink,
  processes: FakeDeviceProcesses,
  ffmpegPath: string,
): Promise<void> {
  // Our clients add "2>/dev/null" to binary commands on old devices; the fake never mixes stderr into stdout anyway.
  const cleaned = line.replace(/\s*2>\s*\/dev\/null\s*$/, '').trim();
  let argv: string[];
  try {
    argv = splitShellWords(cleaned);
  } catch (error) {
    sink.stderr(Buffer.from(`/system/bin/sh: syntax error: ${(error as Error).message}\n`));
    sink.exit(1);
    return;
  }
  // Leading NAME=value words only set the command's environment (scrcpy starts its server as CLASSPATH=… app_process …).
  const env: Record<string, string> = {};
  let m: RegExpExecArray | null;
  while (argv.length > 0 && (m = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/.exec(argv[0] as string))) {
    env[m[1] as string] = m[2] as string;
    argv.shift();
  }
  const [cmd, ...args] = argv;
  switch (cmd) {
    case undefined:
      sink.exit(0);
      return;
    case 'echo':
      sink.stdout(Buffer.from(`${args.join(' ')}\n`));
      sink.exit(0);
      return;
    case 'getprop': {
      const all = props(device);
      if (args[0] !== undefined) sink.stdout(Buffer.from(`${all[args[0]] ?? ''}\n`));
      else sink.stdout(Buffer.from(Object.entries(all).map(([k, v]) => `[${k}]: [${v}]\n`).join('')));
      sink.exit(0);
      return;
    }
    case 'wm':
      if (args[0] === 'size' && args.length === 1) {
        sink.stdout(Buffer.from(`Physical size: ${device.options.width}x${device.options.height}\n`));
        sink.exit(0);
      } else {
        sink.stderr(Buffer.from('fake wm: only "wm size" is supported\n'));
        sink.exit(1);
      }
      return;
    case 'input':
      device.inputs.push({ command: cleaned, argv, at: Date.now() });
      sink.exit(validInput(args) ? 0 : 1);
      return;
    case 'screencap':
      await screencap(device, args, sink, processes, ffmpegPath);
      return;
    case 'screenrecord':
      if (!device.options.screenrecord) break;
      await screenrecord(device, args, sink, processes, ffmpegPath);
      return;
    case 'app_process':
      await runAppProcess({
        device,
        env,
        args,
        sink,
        processes,
        ffmpegPath,
        displaySize: () => screenSize(device),
        androidRelease: props(device)['ro.build.version.release'] as string,
      });
      return;
    default:
      break;
  }
  sink.stderr(Buffer.from(`/system/bin/sh: ${cmd}: inaccessible or not found\n`));
  sink.exit(127);
}

const INT = /^-?\d{1,6}$/;
function validInput(args: string[]): boolean {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'tap':
      return rest.length === 2 && rest.every((a) => INT.test(a));
    case 'swipe':
      return (rest.length === 4 || rest.length === 5) && rest.every((a) => INT.test(a));
    case 'keyevent':
      return rest.length >= 1;
    case 'text':
      return rest.length === 1;
    default:
      return false;
  }
}

interface ScreenrecordArgs {
  width: number;
  height: number;
  bitRate: number;
  timeLimitS: number;
}

function parseScreenrecordArgs(device: FakeDevice, args: string[]): ScreenrecordArgs | string {
  const size = screenSize(device);
  const out: ScreenrecordArgs = { ...size, bitRate: 20_000_000, timeLimitS: device.options.screenrecordTimeLimitS };
  let format = 'mp4';
  let file: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const [name, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => inline ?? (args[++i] as string | undefined) ?? '';
    switch (name) {
      case '--output-format':
        format = value();
        break;
      case '--size': {
        const m = /^(\d{2,5})x(\d{2,5})$/.exec(value());
        if (!m) return 'Invalid size';
        out.width = Number(m[1]);
        out.height = Number(m[2]);
        break;
      }
      case '--bit-rate':
        out.bitRate = Number(value());
        if (!Number.isInteger(out.bitRate) || out.bitRate < 100_000) return 'Invalid bit rate';
        break;
      case '--time-limit':
        out.timeLimitS = Math.min(device.options.screenrecordTimeLimitS, Number(value()));
        if (!(out.timeLimitS > 0)) return 'Invalid time limit';
        break;
      case '--verbose':
      case '--bugreport':
        break;
      default:
        if (a.startsWith('--')) return `Unknown option ${a}`;
        file = a;
    }
  }
  if (format !== 'h264') return 'fake screenrecord: only --output-format=h264 is supported';
  if (file !== '-') return 'fake screenrecord: only output to stdout (-) is supported';
  return out;
}

async function screenrecord(device: FakeDevice, args: string[], sink: ShellSink, processes: FakeDeviceProcesses, ffmpegPath: string): Promise<void> {
  const parsed = parseScreenrecordArgs(device, args);
  if (typeof parsed === 'string') {
    sink.stderr(Buffer.from(`${parsed}\n`));
    sink.exit(2);
    return;
  }
  const clip = device.options.screenrecordClip;
  const ffArgs = [...(clip ? clipArgs(clip, parsed) : encodeArgs(device, parsed)), '-flush_packets', '1', '-f', 'h264', '-'];
  const run: ScreenrecordRun = { argv: ['screenrecord', ...args], startedAt: Date.now() };
  device.screenrecords.push(run);
  const child = spawnTracked(ffmpegPath, ffArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  processes.track(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  child.stdout?.on('data', (d: Buffer) => {
    if (!sink.isClosed) sink.stdout(d);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const winner = await Promise.race([exited.then(() => 'exit' as const), sink.closed.then(() => 'closed' as const)]);
  if (winner === 'closed') {
    run.endReason = 'closed';
    await stopProcess(child, 2000, 'SIGKILL');
  } else {
    run.endReason = child.exitCode === 0 ? 'time-limit' : 'error';
    if (child.exitCode !== 0 && !sink.isClosed) sink.stderr(Buffer.from(stderr));
  }
  run.endedAt = Date.now();
  sink.exit(child.exitCode === 0 ? 0 : 1);
}

/** screenrecord's MediaCodec I-frame interval. */
const SCREENRECORD_GOP_S = 10;

/** screenrecord's picture: the test source encoded live like MediaCodec would. */
function encodeArgs(device: FakeDevice, parsed: ScreenrecordArgs): string[] {
  const fps = device.options.fps;
  return testSourceArgs({
    width: parsed.width,
    height: parsed.height,
    fps,
    audio: false,
    durationSec: parsed.timeLimitS,
    gopFrames: fps * SCREENRECORD_GOP_S,
    videoBitrateKbps: Math.round(parsed.bitRate / 1000),
    filterArgs: device.options.clockBarcode ? ['-vf', ffmpegWallClockBarcodeFilter(parsed.width, parsed.height)] : [],
  });
}

/** screenrecord's picture from a pre-encoded clip: looped, in real time, copied (no encoder runs). */
function clipArgs(clip: string, parsed: ScreenrecordArgs): string[] {
  return ['-hide_banner', '-loglevel', 'warning', '-nostdin', '-re', '-stream_loop', '-1', '-i', clip, '-t', String(parsed.timeLimitS), '-map', '0:v:0', '-c:v', 'copy'];
}

/**
 * Encodes the clip a `screenrecordClip` device plays: the test source at the given size and rate, an I-frame
 * every 10 s like screenrecord, as MPEG-TS (which loops with continuous timestamps). Resolves with `file`.
 */
export async function encodeScreenrecordClip(
  file: string,
  options: { width: number; height: number; fps: number; seconds: number; bitrateKbps: number; ffmpegPath?: string },
): Promise<string> {
  const args = testSourceArgs({
    width: options.width,
    height: options.height,
    fps: options.fps,
    audio: false,
    durationSec: options.seconds,
    gopFrames: options.fps * SCREENRECORD_GOP_S,
    videoBitrateKbps: options.bitrateKbps,
    realtime: false,
  });
  // A failure rejects with FFmpeg's stderr in the message.
  await execFileAsync(options.ffmpegPath ?? 'ffmpeg', [...args, '-y', '-f', 'mpegts', file]);
  return file;
}

async function screencap(device: FakeDevice, args: string[], sink: ShellSink, processes: FakeDeviceProcesses, ffmpegPath: string): Promise<void> {
  if (!(args.length === 1 && args[0] === '-p')) {
    sink.stderr(Buffer.from('fake screencap: only "screencap -p" (PNG to stdout) is supported\n'));
    sink.exit(1);
    return;
  }
  const { width, height } = screenSize(device);
  const ffArgs = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=1`, '-frames:v', '1', '-c:v', 'png', '-f', 'image2pipe', '-'];
  const child = spawnTracked(ffmpegPath, ffArgs, { stdio: ['ignore', 'pipe', 'ignore'] });
  processes.track(child);
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (d: Buffer) => chunks.push(d));
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  if (!sink.isClosed) sink.stdout(Buffer.concat(chunks));
  sink.exit(code === 0 ? 0 : 1);
}
