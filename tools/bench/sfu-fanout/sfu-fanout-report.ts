import { fmt, fmtRatio, formatTable } from '../common/report-table';
import { median } from '../common/stats';
import type { BenchMachine } from '../common/bench-context';
import type { WindowUsage } from '../common/usage-sampler';
import type { ConsumerWindow } from './consumer-swarm-messages';

/** A consumer counts as served when it received at least this share of the source's rate during the window. */
export const SERVED_SHARE = 0.8;

export interface FanoutPoint {
  engine: string;
  consumers: number;
  /** Which round of `--rounds` measured it (1-based). */
  round: number;
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
  generatorsCpuPercent: number;
  machineBusyPercent: number;
}

/** One publisher-only window of an engine's SFU; every round measures one. */
export interface FanoutBaseline {
  engine: string;
  round: number;
  cpuPercent: number;
  rssMeanBytes: number;
}

/** One engine at one size over the rounds, netted against the median of that engine's baselines. */
export interface FanoutSummaryRow {
  engine: string;
  consumers: number;
  rounds: number;
  /** The fewest consumers served in any round: a size counts only when all were served in every round. */
  served: number;
  baselineCpuPercent: number;
  /** SFU CPU-seconds per consumer-second net of the baseline, per round in round order. */
  netCpuPerConsumerSecond: number[];
  /** The median of the rounds' net cost, and what that makes per core. */
  medianNetCpuPerConsumerSecond: number;
  consumersPerCore: number;
  failed?: string;
}

export interface FanoutResult {
  bench: 'sfu-fanout';
  at: string;
  machine: BenchMachine;
  source: { videoKbps: number; audioKbps: number; fps: number; gopFrames: number; codec: string };
  windowSeconds: number;
  rounds: number;
  generators: number;
  skipped: string[];
  baselines: FanoutBaseline[];
  points: FanoutPoint[];
  summary: FanoutSummaryRow[];
}

export const TARGET_PER_CORE: Record<string, number> = { mediasoup: 400, werift: 150 };

/** A point that could not be measured: nobody counts as served, every figure is missing. */
export function failedPoint(engine: string, consumers: number, round: number, why: string): FanoutPoint {
  const none = { wallSeconds: Number.NaN, cpuSeconds: Number.NaN, cpuPercent: Number.NaN, rssMeanBytes: Number.NaN, rssMaxBytes: Number.NaN };
  return {
    engine,
    consumers,
    round,
    failed: why,
    joined: 0,
    served: 0,
    minShare: Number.NaN,
    meanShare: Number.NaN,
    sourceKbps: Number.NaN,
    sfu: none,
    generatorsCpuPercent: Number.NaN,
    machineBusyPercent: Number.NaN,
  };
}

/** What each consumer received, as shares of the source rate (bytes at the UDP level against RTP payload sent). */
export function receivedShares(consumers: readonly ConsumerWindow[], wallSeconds: number, sourceBitsPerSecond: number): number[] {
  return consumers.map((c) => ((c.videoBytes + c.audioBytes) * 8) / wallSeconds / sourceBitsPerSecond);
}

/** Consumers one core serves at a net cost per consumer-second; NaN stays NaN (a failed point). */
function consumersPerCoreAt(net: number): number {
  return net > 0 ? 1 / net : net <= 0 ? Number.POSITIVE_INFINITY : Number.NaN;
}

/** CPU-seconds per consumer-second net of the baseline, and what that makes per core. */
export function perConsumerCost(sfu: WindowUsage, baselineCpuPercent: number, consumers: number): { net: number; perCore: number } {
  const net = (sfu.cpuSeconds - (baselineCpuPercent / 100) * sfu.wallSeconds) / (consumers * sfu.wallSeconds);
  return { net, perCore: consumersPerCoreAt(net) };
}

/**
 * Each engine and size over the rounds. The baseline is the median of the
 * engine's publisher-only windows (one per round), so one disturbed window
 * does not move every figure; the cost is the median of the rounds' costs.
 */
export function summarizeFanout(baselines: readonly FanoutBaseline[], points: readonly FanoutPoint[]): FanoutSummaryRow[] {
  const rows: FanoutSummaryRow[] = [];
  for (const engine of [...new Set(points.map((p) => p.engine))]) {
    const baselineCpuPercent = median(baselines.filter((b) => b.engine === engine).map((b) => b.cpuPercent));
    for (const consumers of [...new Set(points.filter((p) => p.engine === engine).map((p) => p.consumers))]) {
      const rounds = points.filter((p) => p.engine === engine && p.consumers === consumers).sort((a, b) => a.round - b.round);
      const net = rounds.map((p) => (p.failed ? Number.NaN : perConsumerCost(p.sfu, baselineCpuPercent, consumers).net));
      const medianNet = net.some((n) => Number.isNaN(n)) ? Number.NaN : median(net);
      const failed = rounds.find((p) => p.failed)?.failed;
      rows.push({
        engine,
        consumers,
        rounds: rounds.length,
        served: Math.min(...rounds.map((p) => p.served)),
        baselineCpuPercent,
        netCpuPerConsumerSecond: net,
        medianNetCpuPerConsumerSecond: medianNet,
        consumersPerCore: consumersPerCoreAt(medianNet),
        ...(failed ? { failed } : {}),
      });
    }
  }
  return rows;
}

export function formatFanoutReport(result: FanoutResult): string {
  const { machine, source } = result;
  const several = result.rounds > 1;
  const lines = [
    `SFU FAN-OUT — one synthetic ${source.codec} 720p30 publisher (${source.videoKbps} kb/s video + ${source.audioKbps} kb/s audio, GOP ${source.gopFrames} frames) → N WHEP consumers in ${result.generators} load-generator process(es), loopback`,
    `machine: ${machine.cpus} × ${machine.cpuModel}, load at start ${machine.loadavgAtStart.map((l) => l.toFixed(2)).join(' ')}; window ${result.windowSeconds} s per point` +
      (several ? `, ${result.rounds} interleaved rounds (figures are medians over them)` : ''),
    ...result.skipped.map((s) => `not measured: ${s}`),
    '',
  ];
  for (const engine of [...new Set(result.baselines.map((b) => b.engine))]) {
    const baselines = result.baselines.filter((b) => b.engine === engine);
    const baselineCpu = median(baselines.map((b) => b.cpuPercent));
    const rows = result.summary.filter((r) => r.engine === engine);
    const pointsOf = (n: number): FanoutPoint[] => result.points.filter((p) => p.engine === engine && p.consumers === n && !p.failed);
    const med = (n: number, pick: (p: FanoutPoint) => number): number => median(pointsOf(n).map(pick));
    lines.push(
      `${engine} — publisher-only baseline ${fmt(baselineCpu)} % CPU` +
        (several ? ` (median of ${baselines.map((b) => fmt(b.cpuPercent)).join(' · ')})` : '') +
        `, RSS ${fmt(median(baselines.map((b) => b.rssMeanBytes)) / 2 ** 20, 0)} MiB; target ≥ ${TARGET_PER_CORE[engine] ?? '-'} consumers/core`,
      formatTable(
        [
          'consumers',
          'served',
          'min rx %',
          'mean rx %',
          'sfu cpu %',
          'net cpu-ms/consumer-s',
          'consumers/core',
          ...(several ? ['per round'] : []),
          'sfu rss MiB',
          'generators cpu %',
          'machine busy %',
        ],
        rows.map((r) => {
          const allServed = r.served === r.consumers;
          return [
            String(r.consumers),
            `${r.served}/${r.consumers}`,
            fmt(Math.min(...pointsOf(r.consumers).map((p) => p.minShare)) * 100, 0),
            fmt(med(r.consumers, (p) => p.meanShare) * 100, 0),
            fmt(med(r.consumers, (p) => p.sfu.cpuPercent)),
            fmt(r.medianNetCpuPerConsumerSecond * 1000, 2),
            allServed ? fmt(r.consumersPerCore, 0) : '-',
            ...(several ? [allServed ? r.netCpuPerConsumerSecond.map((n) => fmt(consumersPerCoreAt(n), 0)).join(' · ') : '-'] : []),
            fmt(med(r.consumers, (p) => p.sfu.rssMeanBytes) / 2 ** 20, 0),
            fmt(med(r.consumers, (p) => p.generatorsCpuPercent)),
            fmt(med(r.consumers, (p) => p.machineBusyPercent)),
          ];
        }),
      ),
      ...rows.filter((r) => r.failed).map((r) => `FAILED at ${r.consumers}: ${r.failed}`),
      '',
    );
  }
  const sizes = [...new Set(result.summary.map((r) => r.consumers))];
  // Only a size where every consumer was served in every round has a cost per consumer worth comparing.
  const servedPerCore = (engine: string, n: number): number | undefined => {
    const row = result.summary.find((r) => r.engine === engine && r.consumers === n);
    return row && row.served === row.consumers && Number.isFinite(row.consumersPerCore) ? row.consumersPerCore : undefined;
  };
  lines.push(
    'consumers per core, mediasoup / werift',
    formatTable(
      ['consumers', 'mediasoup', 'werift', 'mediasoup/werift'],
      sizes.map((n) => {
        const ms = servedPerCore('mediasoup', n);
        const wr = servedPerCore('werift', n);
        return [String(n), fmt(ms, 0), fmt(wr, 0), ms !== undefined && wr !== undefined ? fmtRatio(ms / wr) : '-'];
      }),
    ),
    '',
    `served = received ≥ ${SERVED_SHARE * 100} % of the source rate (SRTP bytes at the consumer's UDP socket against the RTP payload the publisher sent)` +
      (several ? '; the fewest served in any round.' : '.'),
    'sfu cpu = utime+stime of the SFU process group (Node and, for mediasoup, its workers); net = minus the publisher-only baseline' +
      (several ? ' (the median of one window per round)' : '') +
      '; consumers/core = 1 / net.',
    '',
  );
  return lines.join('\n');
}
