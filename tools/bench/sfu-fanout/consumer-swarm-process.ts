import { join } from 'node:path';
import { BenchChildProcess } from '../common/bench-child-process';
import { processUsage, type Usage } from '../common/proc-stats';
import type { ConsumerSwarmCommand, ConsumerSwarmConfig, ConsumerSwarmJoined, ConsumerSwarmReport, ConsumerSwarmWindow } from './consumer-swarm-messages';

/** The bench's handle on one consumer-swarm process: spawn, wait for the joins, mark windows, stop. */
export class ConsumerSwarm {
  private constructor(private readonly child: BenchChildProcess<ConsumerSwarmReport, ConsumerSwarmCommand>) {}

  /** Starts N consumers in a new process; resolves once each has video (or failed). */
  static async start(config: ConsumerSwarmConfig): Promise<{ swarm: ConsumerSwarm; joined: ConsumerSwarmJoined }> {
    const swarm = new ConsumerSwarm(BenchChildProcess.spawn('consumer swarm', join(__dirname, 'consumer-swarm.js'), config));
    try {
      // Each join is bounded (POST and connect, joinTimeoutMs each; gathering 5 s), `concurrency` at a time, then 10 s for video.
      const bound = (2 * config.joinTimeoutMs + 5000) * Math.ceil(config.count / config.concurrency) + 30_000;
      const joined = (await swarm.child.next('joined', bound)) as ConsumerSwarmJoined;
      return { swarm, joined };
    } catch (error) {
      await swarm.stop();
      throw error;
    }
  }

  usage(): Usage {
    return processUsage(this.child.pid);
  }

  startWindow(): void {
    this.child.send({ type: 'start-window' });
  }

  async endWindow(): Promise<ConsumerSwarmWindow> {
    const report = this.child.next('window', 30_000);
    this.child.send({ type: 'end-window' });
    return (await report) as ConsumerSwarmWindow;
  }

  /** Asks the consumers to leave (WHEP DELETE each), then ends the process. */
  async stop(): Promise<void> {
    if (this.child.connected) {
      const stopped = this.child.next('stopped', 20_000).catch(() => undefined);
      this.child.send({ type: 'stop' });
      await stopped;
    }
    await this.child.stop(5000);
  }
}
