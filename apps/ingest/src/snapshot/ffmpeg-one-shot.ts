import { spawn } from 'node:child_process';

export interface OneShotOptions {
  ffmpegPath: string;
  args: string[];
  input: Buffer;
  timeoutMs: number;
  /** Output larger than this fails the run (and kills FFmpeg). */
  maxOutputBytes: number;
}

/**
 * Runs FFmpeg once on an in-memory input and collects its stdout: argument
 * array (no shell), own process group, stderr drained (last 2 KiB kept for
 * the error), SIGTERM then SIGKILL of the group on timeout or oversize.
 */
export function runFfmpegOnce(options: OneShotOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.ffmpegPath, options.args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let failure: Error | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (error: Error): void => {
      failure ??= error;
      signal('SIGTERM');
      killTimer ??= setTimeout(() => signal('SIGKILL'), 1000);
    };
    const signal = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        child.kill(sig);
      }
    };
    const timer = setTimeout(() => stop(new Error(`ffmpeg did not finish within ${options.timeoutMs} ms`)), options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > options.maxOutputBytes) stop(new Error(`ffmpeg output exceeded ${options.maxOutputBytes} bytes`));
      else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2048);
    });
    child.stdin.on('error', () => undefined); // EPIPE when FFmpeg exits before reading everything
    child.on('error', (error) => stop(error));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      if (failure) return reject(failure);
      if (code !== 0) return reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      resolve(Buffer.concat(out));
    });
    child.stdin.end(options.input);
  });
}
