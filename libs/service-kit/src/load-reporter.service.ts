import { Injectable } from '@nestjs/common';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Samples process load for heartbeats; apps add their own figures (streams, viewers, jobs). */
@Injectable()
export class LoadReporterService {
  private readonly units = new Map<string, () => number>();
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 20 });
  private lastCpu = process.cpuUsage();
  private lastAt = process.hrtime.bigint();

  constructor() {
    this.loopDelay.enable();
  }

  addUnit(name: string, read: () => number): void {
    this.units.set(name, read);
  }

  sample(): { cpu: number; rssBytes: number; eventLoopLagMs: number; units: Record<string, number> } {
    const now = process.hrtime.bigint();
    const cpu = process.cpuUsage(this.lastCpu);
    const elapsedUs = Number(now - this.lastAt) / 1000;
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    const lag = this.loopDelay.mean / 1e6;
    this.loopDelay.reset();
    const units: Record<string, number> = {};
    for (const [name, read] of this.units) units[name] = read();
    return {
      cpu: elapsedUs > 0 ? Math.round(((cpu.user + cpu.system) / elapsedUs) * 1000) / 1000 : 0,
      rssBytes: process.memoryUsage.rss(),
      eventLoopLagMs: Number.isFinite(lag) ? Math.round(lag * 100) / 100 : 0,
      units,
    };
  }

  stop(): void {
    this.loopDelay.disable();
  }
}
