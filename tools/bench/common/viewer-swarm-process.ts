import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawnTracked, stopProcess } from '@mediaplane/testing';
import { WORKSPACE } from './bench-paths';
import { processUsage, type Usage } from './proc-stats';
import type { SwarmCommand, SwarmConfig, SwarmJoined, SwarmReport, SwarmWindow } from './swarm-messages';

/** The parent's handle on a viewer-swarm process: spawn, wait for the joins, mark windows, stop. */
export class ViewerSwarm {
  private stderr = '';
  private readonly waiting: Array<{ type: SwarmReport['type']; resolve: (r: SwarmReport) => void; reject: (e: Error) => void }> = [];
  private readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    child.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    child.on('message', (message: SwarmReport) => {
      const index = this.waiting.findIndex((w) => w.type === message.type);
      if (index >= 0) this.waiting.splice(index, 1)[0]?.resolve(message);
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    void this.exited.then((code) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`viewer swarm exited (${code}) ${this.stderr.trim()}`));
    });
  }

  /** Starts N viewers in a new process; resolves once each has its first frame (or failed). */
  static async start(config: SwarmConfig): Promise<{ swarm: ViewerSwarm; joined: SwarmJoined }> {
    const child = spawnTracked(
      process.execPath,
      ['--require', join(WORKSPACE, 'tools', 'runtime', 'register-paths.cjs'), join(__dirname, 'viewer-swarm.js'), JSON.stringify(config)],
      {
        cwd: WORKSPACE,
        env: process.env,
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      },
    );
    const swarm = new ViewerSwarm(child);
    try {
      const joined = (await swarm.next('joined', 120_000)) as SwarmJoined;
      return { swarm, joined };
    } catch (error) {
      await swarm.stop();
      throw error;
    }
  }

  get pid(): number {
    return this.child.pid as number;
  }

  usage(): Usage {
    return processUsage(this.pid);
  }

  startWindow(): void {
    this.command({ type: 'start-window' });
  }

  async endWindow(): Promise<SwarmWindow> {
    const report = this.next('window', 30_000);
    this.command({ type: 'end-window' });
    return (await report) as SwarmWindow;
  }

  async stop(): Promise<void> {
    if (this.child.connected) this.command({ type: 'stop' });
    await stopProcess(this.child, 5000);
  }

  private command(command: SwarmCommand): void {
    if (this.child.connected) this.child.send(command);
  }

  private next(type: SwarmReport['type'], timeoutMs: number): Promise<SwarmReport> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`viewer swarm: no "${type}" report within ${timeoutMs} ms ${this.stderr.trim()}`)), timeoutMs);
      this.waiting.push({
        type,
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
  }
}
