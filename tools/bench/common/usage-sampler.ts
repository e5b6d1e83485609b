import { threadCpuOf, type ThreadCpu, type Usage } from './proc-stats';

export interface WindowUsage {
  wallSeconds: number;
  cpuSeconds: number;
  /** cpuSeconds / wallSeconds × 100: 100 means one core fully busy. */
  cpuPercent: number;
  rssMeanBytes: number;
  rssMaxBytes: number;
  /** Write-type system calls over the window, where the target reports them (Usage.writeSyscalls). */
  writeSyscalls?: number;
  /** CPU by thread group over the window (100 = one core), where the target reports it (Usage.threadCpuSeconds). */
  threadCpuPercent?: ThreadCpu;
}

/**
 * CPU and memory of a few processes over one measurement window: CPU from
 * the difference of utime+stime at both ends, RSS as the mean and peak of
 * samples taken every `intervalMs` (a Node heap breathes with GC, so one
 * reading would be noise).
 */
export class UsageSampler<K extends string> {
  private readonly startCpu = new Map<K, number>();
  private readonly startWrites = new Map<K, number | undefined>();
  private readonly startThreads = new Map<K, ThreadCpu | undefined>();
  private readonly rss = new Map<K, number[]>();
  private startedAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly targets: Record<K, () => Usage>,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.startedAt = performance.now();
    for (const key of this.keys()) {
      const usage = this.targets[key]();
      this.startCpu.set(key, usage.cpuSeconds);
      this.startWrites.set(key, usage.writeSyscalls);
      this.startThreads.set(key, usage.threadCpuSeconds);
      this.rss.set(key, [usage.rssBytes]);
    }
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): Record<K, WindowUsage> {
    clearInterval(this.timer);
    const wallSeconds = (performance.now() - this.startedAt) / 1000;
    const result = {} as Record<K, WindowUsage>;
    for (const key of this.keys()) {
      const end = this.targets[key]();
      const samples = [...(this.rss.get(key) ?? []), end.rssBytes];
      const cpuSeconds = end.cpuSeconds - (this.startCpu.get(key) ?? end.cpuSeconds);
      const startWrites = this.startWrites.get(key);
      const startThreads = this.startThreads.get(key);
      result[key] = {
        wallSeconds,
        cpuSeconds,
        cpuPercent: (cpuSeconds / wallSeconds) * 100,
        rssMeanBytes: samples.reduce((a, b) => a + b, 0) / samples.length,
        rssMaxBytes: Math.max(...samples),
        // A process that started or ended inside the window would make the difference meaningless.
        ...(startWrites !== undefined && end.writeSyscalls !== undefined && end.writeSyscalls >= startWrites
          ? { writeSyscalls: end.writeSyscalls - startWrites }
          : {}),
        ...(startThreads && end.threadCpuSeconds ? { threadCpuPercent: threadPercent(startThreads, end.threadCpuSeconds, wallSeconds) } : {}),
      };
    }
    return result;
  }

  private sample(): void {
    for (const key of this.keys()) this.rss.get(key)?.push(this.targets[key]().rssBytes);
  }

  private keys(): K[] {
    return Object.keys(this.targets) as K[];
  }
}

function threadPercent(start: ThreadCpu, end: ThreadCpu, wallSeconds: number): ThreadCpu {
  return threadCpuOf((group) => ((end[group] - start[group]) / wallSeconds) * 100);
}
