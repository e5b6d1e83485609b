import { fmt, fmtRatio, formatTable } from '../common/report-table';
import type { BenchMachine } from '../common/bench-context';
import type { WindowUsage } from '../common/usage-sampler';
import type { ConsumerWindow } from './consumer-swarm-messages';

/** A consumer counts as served when it received at least this share of the source's rate during the window. */
export const SERVED_SHARE = 0.8;

export interface FanoutPoint {
  engine: string;
  consumers: number;
  /** Why the point could not be measured (a load generator failed, or a smaller point of this engine already failed). */
  failed?: string;
  joined: number;
  firstError?: string;
  /** Consumers whose received rate was ≥ SERVED_SHARE of the source rate. */
  served: number;
  /** Lowest and mean received rate over the consumers, as a share of the source rate. */
  minShare: number;
  meanShare: number;
  sourceKbps: number;
  sfu: WindowUsage;
  baselineCpuPercent: number;
  generatorsCpuPercent: number;
  machineBusyPercent: number;
  /** SFU CPU-seconds per consumer-second, net of the publisher-only baseline. */
  netCpuPerConsumerSecond: number;
  consumersPerCore: number;
}

export interface FanoutResult {
  bench: 'sfu-fanout';
  at: string;
  machine: BenchMachine;
  source: { videoKbps: number; audioKbps: number; fps: number; gopFrames: number; codec: string };
  windowSeconds: number;
  generators: number;
  skipped: string[];
  baselines: Array<{ engine: string; cpuPercent: number; rssMeanBytes: number }>;
  points: FanoutPoint[];
}

export const TARGET_PER_CORE: Record<string, number> = { mediasoup: 400, werift: 150 };

/** A point that could not be measured: nobody counts as served, every figure is missing. */
export function failedPoint(engine: string, consumers: number, why: string): FanoutPoint {
  const none = { wallSeconds: Number.NaN, cpuSeconds: Number.NaN, cpuPercent: Number.NaN, rssMeanBytes: Number.NaN, rssMaxBytes: Number.NaN };
  return {
    engine,
    consumers,
    failed: why,
    joined: 0,
    served: 0,
    minShare: Number.NaN,
    meanShare: Number.NaN,
    sourceKbps: Number.NaN,
    sfu: none,
    baselineCpuPercent: Number.NaN,
    generatorsCpuPercent: Number.NaN,
    machineBusyPercent: Number.NaN,
    netCpuPerConsumerSecond: Number.NaN,
    consumersPerCore: Number.NaN,
  };
}

/** What each consumer received, as shares of the source rate (bytes at the UDP level against RTP payload sent). */
export function receivedShares(consumers: readonly ConsumerWindow[], wallSeconds: number, sourceBitsPerSecond: number): number[] {
  return consumers.map((c) => ((c.videoBytes + c.audioBytes) * 8) / wallSeconds / sourceBitsPerSecond);
}

/** CPU-seconds per consumer-second net of the baseline, and what that makes per core. */
export function perConsumerCost(sfu: WindowUsage, baselineCpuPercent: number, consumers: number): { net: number; perCore: number } {
  const net = (sfu.cpuSeconds - (baselineCpuPercent / 100) * sfu.wallSeconds) / (consumers * sfu.wallSeconds);
  return { net, perCore: net > 0 ? 1 / net : Number.POSITIVE_INFINITY };
}

export function formatFanoutReport(result: FanoutResult): string {
  const { machine, source } = result;
  const lines = [
    `SFU FAN-OUT — one synthetic ${source.codec} 720p30 publisher (${source.videoKbps} kb/s video + ${source.audioKbps} kb/s audio, GOP ${source.gopFrames} frames) → N WHEP consumers in ${result.generators} load-generator process(es), loopback`,
    `machine: ${machine.cpus} × ${machine.cpuModel}, load at start ${machine.loadavgAtStart.map((l) => l.toFixed(2)).join(' ')}; window ${result.windowSeconds} s per point`,
    ...result.skipped.map((s) => `not measured: ${s}`),
    '',
  ];
  for (const baseline of result.baselines) {
    const points = result.points.filter((p) => p.engine === baseline.engine);
    lines.push(
      `${baseline.engine} — publisher-only baseline ${fmt(baseline.cpuPercent)} % CPU, RSS ${fmt(baseline.rssMeanBytes / 2 ** 20, 0)} MiB; target ≥ ${TARGET_PER_CORE[baseline.engine] ?? '-'} consumers/core`,
      formatTable(
        [
          'consumers',
          'served',
          'min rx %',
          'mean rx %',
          'sfu cpu %',
          'net cpu-ms/consumer-s',
          'consumers/core',
          'sfu rss MiB',
          'generators cpu %',
          'machine busy %',
        ],
        points.map((p) => [
          String(p.consumers),
          `${p.served}/${p.consumers}`,
          fmt(p.minShare * 100, 0),
          fmt(p.meanShare * 100, 0),
          fmt(p.sfu.cpuPercent),
          fmt(p.netCpuPerConsumerSecond * 1000, 2),
          p.served === p.consumers ? fmt(p.consumersPerCore, 0) : '-',
          fmt(p.sfu.rssMeanBytes / 2 ** 20, 0),
          fmt(p.generatorsCpuPercent),
          fmt(p.machineBusyPercent),
        ]),
      ),
      ...points.filter((p) => p.failed).map((p) => `FAILED at ${p.consumers}: ${p.failed}`),
      '',
    );
  }
  const sizes = [...new Set(result.points.map((p) => p.consumers))];
  const find = (engine: string, n: number): FanoutPoint | undefined => result.points.find((p) => p.engine === engine && p.consumers === n);
  lines.push(
    'consumers per core, mediasoup / werift',
    formatTable(
      ['consumers', 'mediasoup', 'werift', 'mediasoup/werift'],
      sizes.map((n) => {
        // Only a point where every consumer was served has a cost per consumer worth comparing.
        const perCore = (engine: string): number | undefined => {
          const point = find(engine, n);
          return point && point.served === point.consumers && Number.isFinite(point.consumersPerCore) ? point.consumersPerCore : undefined;
        };
        const ms = perCore('mediasoup');
        const wr = perCore('werift');
        return [String(n), fmt(ms, 0), fmt(wr, 0), ms !== undefined && wr !== undefined ? fmtRatio(ms / wr) : '-'];
      }),
    ),
    '',
    `served = received ≥ ${SERVED_SHARE * 100} % of the source rate (SRTP bytes at the consumer's UDP socket against the RTP payload the publisher sent).`,
    'sfu cpu = utime+stime of the SFU process group (Node and, for mediasoup, its workers); net = minus the baseline; consumers/core = 1 / net.',
    '',
  );
  return lines.join('\n');
}
