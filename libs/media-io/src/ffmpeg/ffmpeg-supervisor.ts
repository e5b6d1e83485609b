import { EventEmitter } from 'node:events';
import type { FfmpegProgress } from './ffmpeg-progress';
import { startFfmpegProcess, type FfmpegProcess } from './ffmpeg-process';
import { DEFAULT_BACKOFF, restartDelayMs, type BackoffOptions } from './restart-backoff';

/** What one run is: fresh arguments each time (new output file names, a new start number). */
export interface FfmpegRunSpec {
  args: readonly string[];
  outputPipes?: number;
  /** Piped into FFmpeg's stdin (for `-i pipe:0` inputs). */
  stdin?: NodeJS.ReadableStream;
  /** Piped into the fds after the output pipes (`-i pipe:3` when there are none). */
  inputPipes?: readonly NodeJS.ReadableStream[];
  /** Called once when the run is over (or never started): frees what `prepareRun` opened for it, e.g. the connection feeding stdin. */
  release?: () => void;
}

export type FfmpegExitReason =
  /** FFmpeg exited 0: its input ended. */
  | 'ended'
  /** Non-zero exit or killed by a signal we did not send. */
  | 'crashed'
  /** No progress for the stall timeout (or no first progress for the start timeout): we killed it. */
  | 'stalled'
  /** `stop()` was called. */
  | 'stopped'
  /** `cycle()` ended the run on purpose (a planned switch of input): the next run starts at once. */
  | 'cycled';

export interface FfmpegRunExit {
  run: number;
  reason: FfmpegExitReason;
  code: number | null;
  signal: NodeJS.Signals | null;
  runtimeMs: number;
  /** FFmpeg's last stderr lines; may contain URLs, so redact before logging. */
  stderrTail: string[];
}

export interface FfmpegSupervisorEvents {
  spawn: [info: { run: number; pid: number | undefined }];
  progress: [progress: FfmpegProgress, run: number];
  line: [pipe: number, line: string, run: number];
  exit: [exit: FfmpegRunExit];
  restart: [info: { run: number; attempt: number; delayMs: number; after: FfmpegExitReason }];
  /** The supervisor will not start FFmpeg again (stopped, or `shouldRestart` said no). */
  done: [last: FfmpegRunExit | undefined];
}

export interface FfmpegSupervisorOptions {
  ffmpegPath?: string;
  /** Builds each run's arguments; `run` counts from 0. */
  prepareRun: (run: number) => FfmpegRunSpec | Promise<FfmpegRunSpec>;
  /** Kill and restart when the output time has not advanced for this long. */
  stallTimeoutMs: number;
  /** Same, before the first progress report (input probe, connection, first frames). */
  startTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** A run that made progress for this long resets the backoff. */
  healthyAfterMs?: number;
  /** SIGTERM-to-SIGKILL grace when stopping. */
  stopGraceMs?: number;
  /** Asked after every exit that was not a `stop()`: restart (true) or finish (false). Default: restart. */
  shouldRestart?: (exit: FfmpegRunExit) => boolean | Promise<boolean>;
  dieWithParent?: boolean;
  /** Milliseconds clock, replaceable in tests. */
  now?: () => number;
}

/**
 * Keeps one FFmpeg job running: spawns it (argument array, own process group,
 * every pipe drained), parses `-progress`, kills it when the output time stops
 * advancing (including during the initial probe), and restarts it after a
 * crash, a stall or an input EOF with capped, jittered backoff. `stop()` is
 * SIGTERM then SIGKILL of the process group.
 */
export class FfmpegSupervisor extends EventEmitter<FfmpegSupervisorEvents> {
  private current?: { process: FfmpegProcess; run: number; startedAt: number; stalled: boolean };
  private runCount = 0;
  private failures = 0;
  private stopping = false;
  private finished = false;
  private restartTimer?: NodeJS.Timeout;
  private watchdog?: NodeJS.Timeout;
  private lastAdvanceAt = 0;
  private lastOutTime = -1;
  private lastFrame = -1;
  private firstProgress = false;
  private idle?: Promise<void>;
  private resolveIdle?: () => void;
  private cycling = false;
  private readonly now: () => number;

  constructor(private readonly options: FfmpegSupervisorOptions) {
    super();
    this.now = options.now ?? Date.now;
  }

  /** Runs started so far (restarts = runs - 1). */
  get runs(): number {
    return this.runCount;
  }

  get running(): boolean {
    return this.current !== undefined;
  }

  start(): void {
    if (this.idle) return;
    this.idle = new Promise((resolve) => (this.resolveIdle = resolve));
    void this.launch();
  }

  /** Stops for good: cancels a pending restart, SIGTERM then SIGKILL of the running FFmpeg. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const current = this.current;
    if (current) await current.process.stop(this.options.stopGraceMs ?? 5000);
    else this.finish(undefined);
    await this.idle;
  }

  /**
   * Ends the running FFmpeg on purpose and starts the next run at once, without counting a failure (a planned switch,
   * e.g. from a device's feed to a slate). A pending restart is brought forward.
   */
  async cycle(): Promise<void> {
    if (this.stopping || !this.idle) return;
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
      void this.launch();
      return;
    }
    const current = this.current;
    if (!current) return;
    this.cycling = true;
    await current.process.stop(Math.min(2000, this.options.stopGraceMs ?? 2000));
  }

  private async launch(): Promise<void> {
    if (this.stopping) return this.finish(undefined);
    const run = this.runCount++;
    let spec: FfmpegRunSpec;
    try {
      spec = await this.options.prepareRun(run);
    } catch (error) {
      const exit: FfmpegRunExit = {
        run,
        reason: 'crashed',
        code: null,
        signal: null,
        runtimeMs: 0,
        stderrTail: [`prepareRun failed: ${String((error as Error)?.message ?? error)}`],
      };
      this.emit('exit', exit);
      return this.afterExit(exit);
    }
    if (this.stopping) {
      spec.release?.();
      return this.finish(undefined);
    }
    const startedAt = this.now();
    this.lastAdvanceAt = startedAt;
    this.lastOutTime = -1;
    this.lastFrame = -1;
    this.firstProgress = false;
    const process = startFfmpegProcess({
      ffmpegPath: this.options.ffmpegPath,
      args: spec.args,
      outputPipes: spec.outputPipes,
      stdin: spec.stdin,
      inputPipes: spec.inputPipes,
      dieWithParent: this.options.dieWithParent,
      onProgress: (p) => this.onProgress(p, run),
      onLine: (pipe, line) => this.emit('line', pipe, line, run),
    });
    const current = { process, run, startedAt, stalled: false };
    this.current = current;
    this.emit('spawn', { run, pid: process.pid });
    this.watchdog = setInterval(() => this.checkStall(), Math.min(1000, Math.max(50, Math.floor(this.options.stallTimeoutMs / 4))));
    this.watchdog.unref();

    const status = await process.exited;
    spec.release?.();
    clearInterval(this.watchdog);
    this.current = undefined;
    const cycled = this.cycling;
    this.cycling = false;
    const reason: FfmpegExitReason = this.stopping ? 'stopped' : cycled ? 'cycled' : current.stalled ? 'stalled' : status.code === 0 ? 'ended' : 'crashed';
    const exit: FfmpegRunExit = { run, reason, code: status.code, signal: status.signal, runtimeMs: this.now() - startedAt, stderrTail: process.stderrTail() };
    this.emit('exit', exit);
    await this.afterExit(exit);
  }

  private async afterExit(exit: FfmpegRunExit): Promise<void> {
    if (this.stopping) return this.finish(exit);
    let again = true;
    try {
      again = (await this.options.shouldRestart?.(exit)) ?? true;
    } catch {
      again = true;
    }
    if (!again || this.stopping) return this.finish(exit);
    if (exit.reason === 'cycled') {
      this.emit('restart', { run: exit.run + 1, attempt: 0, delayMs: 0, after: exit.reason });
      return this.launch();
    }
    const healthy = this.firstProgress && exit.runtimeMs >= (this.options.healthyAfterMs ?? 30_000);
    this.failures = healthy ? 0 : this.failures + 1;
    const delayMs = restartDelayMs(Math.max(0, this.failures - 1), { ...DEFAULT_BACKOFF, ...this.options.backoff });
    this.emit('restart', { run: exit.run + 1, attempt: this.failures, delayMs, after: exit.reason });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.launch();
    }, delayMs);
  }

  private finish(last: FfmpegRunExit | undefined): void {
    if (this.finished) return;
    this.finished = true;
    this.emit('done', last);
    this.resolveIdle?.();
  }

  private onProgress(progress: FfmpegProgress, run: number): void {
    const advanced = (progress.outTimeUs ?? -1) > this.lastOutTime || (progress.frame ?? -1) > this.lastFrame;
    if (advanced) {
      this.lastAdvanceAt = this.now();
      this.lastOutTime = Math.max(this.lastOutTime, progress.outTimeUs ?? -1);
      this.lastFrame = Math.max(this.lastFrame, progress.frame ?? -1);
      this.firstProgress = true;
    }
    this.emit('progress', progress, run);
  }

  private checkStall(): void {
    const current = this.current;
    if (!current || current.stalled || this.stopping) return;
    const limit = this.firstProgress ? this.options.stallTimeoutMs : (this.options.startTimeoutMs ?? this.options.stallTimeoutMs);
    if (this.now() - this.lastAdvanceAt <= limit) return;
    current.stalled = true;
    // A hung FFmpeg may ignore SIGTERM; a short grace then SIGKILL.
    void current.process.stop(Math.min(2000, this.options.stopGraceMs ?? 2000));
  }
}
