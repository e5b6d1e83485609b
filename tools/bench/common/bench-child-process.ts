import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawnTracked, stopProcess } from '@mediaplane/testing';
import { WORKSPACE } from './bench-paths';

/**
 * A part of a bench that runs in a Node process of its own (viewer swarms,
 * the clock publisher: so the bench's event loop neither slows them nor is
 * slowed by them), driven over IPC: the child sends typed reports, the parent
 * sends commands and waits for reports by type.
 */
export class BenchChildProcess<Report extends { type: string }, Command> {
  private stderr = '';
  private readonly waiting: Array<{ types: readonly Report['type'][]; resolve: (r: Report) => void; reject: (e: Error) => void }> = [];

  private constructor(
    private readonly child: ChildProcess,
    /** How errors name it. */
    private readonly name: string,
  ) {
    child.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    child.on('message', (report: Report) => {
      const index = this.waiting.findIndex((w) => w.types.includes(report.type));
      if (index >= 0) this.waiting.splice(index, 1)[0]?.resolve(report);
    });
    child.once('exit', (code) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`${name} exited (${code}) ${this.stderr.trim()}`));
    });
  }

  /** Runs `script` (a compiled bench file, path relative to the compiled bench) with `config` as its one argument. */
  static spawn<Report extends { type: string }, Command>(name: string, script: string, config: unknown): BenchChildProcess<Report, Command> {
    const child = spawnTracked(process.execPath, ['--require', join(WORKSPACE, 'tools', 'runtime', 'register-paths.cjs'), script, JSON.stringify(config)], {
      cwd: WORKSPACE,
      env: process.env,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    return new BenchChildProcess<Report, Command>(child, name);
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get connected(): boolean {
    return this.child.connected;
  }

  /** The next report of one of `types`; rejects if the child exits or none comes within `timeoutMs`. */
  next(types: Report['type'] | readonly Report['type'][], timeoutMs: number): Promise<Report> {
    const wanted = typeof types === 'string' ? [types] : types;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name}: no "${wanted.join('/')}" report within ${timeoutMs} ms ${this.stderr.trim()}`)),
        timeoutMs,
      );
      this.waiting.push({
        types: wanted,
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
  }

  send(command: Command): void {
    if (this.child.connected) this.child.send(command as object);
  }

  /** Ends the process (SIGTERM, then SIGKILL after `graceMs`). */
  async stop(graceMs: number): Promise<void> {
    await stopProcess(this.child, graceMs);
  }
}
