import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawnTracked, stopProcess } from '@mediaplane/testing';
import { WORKSPACE } from './bench-paths';
import type { ClockLivePublisherOptions } from './clock-live-publisher';

export type ClockPublisherCommand = { type: 'delays' } | { type: 'stop' };
export type ClockPublisherReport = { type: 'started' } | { type: 'failed'; error: string } | { type: 'delays'; encoderDelaysMs: number[] };

const START_TIMEOUT_MS = 15_000;

/** The parent's handle on a ClockLivePublisher in its own process (clock-live-publisher-main.ts). */
export class ClockLivePublisherProcess {
  private stderr = '';
  private readonly listeners = new Set<(report: ClockPublisherReport) => void>();

  private constructor(private readonly child: ChildProcess) {
    child.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    child.on('message', (report: ClockPublisherReport) => {
      for (const listener of this.listeners) listener(report);
    });
  }

  static async start(options: ClockLivePublisherOptions): Promise<ClockLivePublisherProcess> {
    const child = spawnTracked(
      process.execPath,
      ['--require', join(WORKSPACE, 'tools', 'runtime', 'register-paths.cjs'), join(__dirname, 'clock-live-publisher-main.js'), JSON.stringify(options)],
      { cwd: WORKSPACE, env: process.env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
    );
    const publisher = new ClockLivePublisherProcess(child);
    try {
      const report = await publisher.next(['started', 'failed'], START_TIMEOUT_MS);
      if (report.type === 'failed') throw new Error(`clock publisher: ${report.error}`);
      return publisher;
    } catch (error) {
      await stopProcess(child, 3000);
      throw error;
    }
  }

  /** Encoder delays (picture drawn → frame sent, ms) measured since the last call. */
  async takeEncoderDelays(): Promise<number[]> {
    const report = this.next(['delays'], 10_000);
    this.child.send({ type: 'delays' } satisfies ClockPublisherCommand);
    const delays = await report;
    return delays.type === 'delays' ? delays.encoderDelaysMs : [];
  }

  async stop(): Promise<void> {
    if (this.child.connected) this.child.send({ type: 'stop' } satisfies ClockPublisherCommand);
    await stopProcess(this.child, 5000);
  }

  private next(types: ClockPublisherReport['type'][], timeoutMs: number): Promise<ClockPublisherReport> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        this.child.off('exit', onExit);
      };
      const listener = (report: ClockPublisherReport): void => {
        if (!types.includes(report.type)) return;
        done();
        resolve(report);
      };
      const onExit = (code: number | null): void => {
        done();
        reject(new Error(`clock publisher exited (${code}) ${this.stderr.trim()}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`clock publisher: no "${types.join('/')}" within ${timeoutMs} ms ${this.stderr.trim()}`));
      }, timeoutMs);
      this.listeners.add(listener);
      this.child.once('exit', onExit);
    });
  }
}
