import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawnTracked, stopProcess } from '@mediaplane/testing';
import { WORKSPACE } from '../common/bench-paths';
import { processUsage, type Usage } from '../common/proc-stats';
import type { ConsumerSwarmCommand, ConsumerSwarmConfig, ConsumerSwarmJoined, ConsumerSwarmReport, ConsumerSwarmWindow } from './consumer-swarm-messages';

/** The bench's handle on one consumer-swarm process: spawn, wait for the joins, mark windows, stop. */
export class ConsumerSwarm {
  private stderr = '';
  private readonly waiting: Array<{ type: ConsumerSwarmReport['type']; resolve: (r: ConsumerSwarmReport) => void; reject: (e: Error) => void }> = [];

  private constructor(private readonly child: ChildProcess) {
    child.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    child.on('message', (message: ConsumerSwarmReport) => {
      const index = this.waiting.findIndex((w) => w.type === message.type);
      if (index >= 0) this.waiting.splice(index, 1)[0]?.resolve(message);
    });
    child.once('exit', (code) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`consumer swarm exited (${code}) ${this.stderr.trim()}`));
    });
  }

  /** Starts N consumers in a new process; resolves once each has video (or failed). */
  static async start(config: ConsumerSwarmConfig): Promise<{ swarm: ConsumerSwarm; joined: ConsumerSwarmJoined }> {
    const child = spawnTracked(
      process.execPath,
      ['--require', join(WORKSPACE, 'tools', 'runtime', 'register-paths.cjs'), join(__dirname, 'consumer-swarm.js'), JSON.stringify(config)],
      { cwd: WORKSPACE, env: process.env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
    );
    const swarm = new ConsumerSwarm(child);
    try {
      // Each join is bounded (POST and connect, joinTimeoutMs each; gathering 5 s), `concurrency` at a time, then 10 s for video.
      const bound = (2 * config.joinTimeoutMs + 5000) * Math.ceil(config.count / config.concurrency) + 30_000;
      const joined = (await swarm.next('joined', bound)) as ConsumerSwarmJoined;
      return { swarm, joined };
    } catch (error) {
      await swarm.stop();
      throw error;
    }
  }

  usage(): Usage {
    return processUsage(this.child.pid as number);
  }

  startWindow(): void {
    this.command({ type: 'start-window' });
  }

  async endWindow(): Promise<ConsumerSwarmWindow> {
    const report = this.next('window', 30_000);
    this.command({ type: 'end-window' });
    return (await report) as ConsumerSwarmWindow;
  }

  /** Asks the consumers to leave (WHEP DELETE each), then ends the process. */
  async stop(): Promise<void> {
    if (this.child.connected) {
      const stopped = this.next('stopped', 20_000).catch(() => undefined);
      this.command({ type: 'stop' });
      await stopped;
    }
    await stopProcess(this.child, 5000);
  }

  private command(command: ConsumerSwarmCommand): void {
    if (this.child.connected) this.child.send(command);
  }

  private next(type: ConsumerSwarmReport['type'], timeoutMs: number): Promise<ConsumerSwarmReport> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumer swarm: no "${type}" report within ${timeoutMs} ms ${this.stderr.trim()}`)), timeoutMs);
      this.waiting.push({
        type,
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
  }
}
