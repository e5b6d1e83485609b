import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { FfmpegProgressParser, type FfmpegProgress } from './ffmpeg-progress';

export interface FfmpegProcessOptions {
  /** FFmpeg binary; default `ffmpeg` from PATH. */
  ffmpegPath?: string;
  /** Arguments, never a shell string. Add `-progress pipe:1 -nostats` to get progress reports. */
  args: readonly string[];
  /** Bytes piped into FFmpeg's stdin (inputs read with `-i pipe:0`); a stdin error (FFmpeg gone) is ignored. */
  stdin?: NodeJS.ReadableStream;
  /** Extra pipes FFmpeg writes lines to (`pipe:3`, `pipe:4`, …); see `onLine`. */
  outputPipes?: number;
  /**
   * More inputs, piped into the fds after the output pipes (`-i pipe:<3 + outputPipes + i>`), e.g. a device's audio
   * beside its video on stdin. Unpiped when FFmpeg exits, like stdin; a pipe error (FFmpeg gone) is ignored.
   */
  inputPipes?: readonly NodeJS.ReadableStream[];
  /**
   * Kill FFmpeg when this process dies, even by SIGKILL (Linux parent-death
   * signal via util-linux `setpriv`), so a crashed worker leaves no orphan
   * encoder behind. Default true where `setpriv` exists.
   */
  dieWithParent?: boolean;
  onProgress?: (progress: FfmpegProgress) => void;
  /** A line written to an extra pipe; `pipe` is its fd (3, 4, …). */
  onLine?: (pipe: number, line: string) => void;
  /** Lines of stderr kept for diagnostics (default 40). */
  stderrLines?: number;
}

export interface FfmpegExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface FfmpegProcess {
  readonly pid: number | undefined;
  readonly exited: Promise<FfmpegExitStatus>;
  /** SIGTERM to the process group (FFmpeg finishes its outputs), SIGKILL after `graceMs`. */
  stop(graceMs: number): Promise<FfmpegExitStatus>;
  /** Last lines of stderr (FFmpeg's warnings and errors). May contain URLs: redact before logging. */
  stderrTail(): string[];
}

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/**
 * Starts one FFmpeg run in its own process group with every pipe drained:
 * stdout carries `-progress`, stderr goes to a bounded ring, extra pipes are
 * read line by line.
 */
export function startFfmpegProcess(options: FfmpegProcessOptions): FfmpegProcess {
  installExitHook();
  const ffmpeg = options.ffmpegPath ?? 'ffmpeg';
  const pdeath = (options.dieWithParent ?? true) && SETPRIV !== undefined && process.platform === 'linux';
  const [command, args] = pdeath ? [SETPRIV as string, ['--pdeathsig', 'KILL', '--', ffmpeg, ...options.args]] : [ffmpeg, [...options.args]];
  const extra = options.outputPipes ?? 0;
  const inputs = options.inputPipes ?? [];
  const child: ChildProcess = spawn(command, args, {
    detached: true,
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', ...Array.from({ length: extra + inputs.length }, () => 'pipe' as const)],
  });
  const pid = child.pid;
  if (pid !== undefined) liveGroups.add(pid);

  const feed = (input: NodeJS.ReadableStream, sink: NodeJS.WritableStream | null | undefined): void => {
    if (!sink) return;
    // EPIPE when FFmpeg exits first: the run's exit tells what happened, the pipe error adds nothing.
    sink.on('error', () => undefined);
    input.pipe(sink);
    child.once('close', () => input.unpipe(sink));
  };
  if (options.stdin) feed(options.stdin, child.stdin);
  inputs.forEach((input, i) => feed(input, child.stdio[3 + extra + i] as NodeJS.WritableStream | null));

  const parser = new FfmpegProgressParser((p) => options.onProgress?.(p));
  child.stdout?.on('data', (chunk: Buffer) => parser.push(chunk));

  const keep = options.stderrLines ?? 40;
  const tail: string[] = [];
  if (child.stderr) {
    createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (line) => {
      tail.push(line.length > 1000 ? `${line.slice(0, 1000)}…` : line);
      if (tail.length > keep) tail.shift();
    });
  }
  for (let fd = 3; fd < 3 + extra; fd++) {
    const stream = child.stdio[fd] as Readable | null | undefined;
    if (!stream) continue;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => options.onLine?.(fd, line));
  }

  const exited = new Promise<FfmpegExitStatus>((resolve) => {
    let settled = false;
    const done = (status: FfmpegExitStatus): void => {
      if (settled) return;
      settled = true;
      if (pid !== undefined) liveGroups.delete(pid);
      resolve(status);
    };
    // 'close' (not 'exit') so every line FFmpeg wrote to its pipes has been read when we resolve.
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => done({ code, signal }));
    child.once('error', () => done({ code: null, signal: null }));
  });

  return {
    pid,
    exited,
    stderrTail: () => [...tail],
    async stop(graceMs: number): Promise<FfmpegExitStatus> {
      if (pid === undefined) return exited;
      signalGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
      const status = await exited;
      clearTimeout(timer);
      return status;
    },
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** Last resort when the process exits without stopping its encoders: no FFmpeg outlives us. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
  });
}

/** Process groups of FFmpeg runs still alive (for tests and shutdown checks). */
export function liveFfmpegGroups(): number[] {
  return [...liveGroups];
}
