import { join } from 'node:path';
import { BenchChildProcess } from './bench-child-process';
import { processUsage, type Usage } from './proc-stats';
import type { SwarmCommand, SwarmConfig, SwarmJoined, SwarmReport, SwarmWindow } from './swarm-messages';

/** The parent's handle on a viewer-swarm process: spawn, wait for the joins, mark windows, stop. */
export class ViewerSwarm {
  private constructor(private readonly child: BenchChildProcess<SwarmReport, SwarmCommand>) {}

  /** Starts N viewers in a new process; resolves once each has its first frame (or failed). */
  static async start(config: SwarmConfig): Promise<{ swarm: ViewerSwarm; joined: SwarmJoined }> {
    const swarm = new ViewerSwarm(BenchChildProcess.spawn('viewer swarm', join(__dirname, 'viewer-swarm.js'), config));
    try {
      const joined = (await swarm.child.next('joined', 120_000)) as SwarmJoined;
      return { swarm, joined };
    } catch (error) {
      await swarm.stop();
      throw error;
    }
  }

  get pid(): number {
    return this.child.pid;
  }

  usage(): Usage {
    return processUsage(this.pid);
  }

  startWindow(): void {
    this.child.send({ type: 'start-window' });
  }

  async endWindow(): Promise<SwarmWindow> {
    const report = this.child.next('window', 30_000);
    this.child.send({ type: 'end-window' });
    return (await report) as SwarmWindow;
  }

  async stop(): Promise<void> {
    this.child.send({ type: 'stop' });
    await this.child.stop(5000);
  }
}
