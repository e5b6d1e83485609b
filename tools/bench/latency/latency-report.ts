import type { PlayProtocol, ServerKind } from '../common/bench-servers';
import type { BuildIdentity } from '../common/build-identity';
import { fmt, fmtRatio, formatTable } from '../common/report-table';
import type { Summary } from '../common/stats';
import type { BenchMachine } from '../common/bench-context';

export interface LatencyRow {
  server: ServerKind;
  protocol: PlayProtocol;
  /** Publisher write → complete video frame at the viewer, ms. */
  transitMs: Summary;
  /** With background viewers: the probe that joined before them and the one that joined after (see latency-bench). */
  transitByJoinOrder?: { beforeLoad: Summary; afterLoad: Summary };
  /** Connect → first decodable video frame, ms. */
  ttffMs: Summary;
  joins: { attempted: number; timedOut: number; startedOnKeyframe: number; undecodableFramesBeforeFirstKeyframe: number };
  backgroundViewers: number;
}

export interface LatencySummary {
  /** ours ÷ nginx-rtmp (RTMP play) p50 and p95. */
  ratios: Array<{ protocol: PlayProtocol; transitP50: number; transitP95: number; ttffP50: number; ttffP95: number }>;
}

export interface LatencyResult {
  bench: 'latency';
  startedAt: string;
  finishedAt?: string;
  machine: BenchMachine;
  source: { file: string; width: number; height: number; fps: number; bitrateKbps: number; gopSeconds: number };
  settings: { transitSeconds: number; joins: number; backgroundViewers: number; ingestEnv?: Record<string, string> };
  /** The code measured (the ingest's compiled files are hashed when the bench starts). */
  build?: BuildIdentity;
  servers: Partial<Record<ServerKind, { label: string }>>;
  rows: LatencyRow[];
  summary?: LatencySummary;
}

export function formatLatencyReport(result: LatencyResult): { text: string; summary: LatencySummary } {
  const nginx = result.rows.find((r) => r.server === 'nginx' && r.protocol === 'rtmp');
  const ratios: LatencySummary['ratios'] = nginx
    ? result.rows
        .filter((r) => r.server === 'ours')
        .map((r) => ({
          protocol: r.protocol,
          transitP50: r.transitMs.p50 / nginx.transitMs.p50,
          transitP95: r.transitMs.p95 / nginx.transitMs.p95,
          ttffP50: r.ttffMs.p50 / nginx.ttffMs.p50,
          ttffP95: r.ttffMs.p95 / nginx.ttffMs.p95,
        }))
    : [];
  const src = result.source;
  const lines: string[] = [''];
  lines.push(
    `LATENCY — server-added latency on loopback, NOT camera-to-glass: ${src.width}x${src.height} ${src.fps} fps ${src.bitrateKbps} kb/s, GOP ${src.gopSeconds} s`,
  );
  if (result.build) {
    const b = result.build;
    lines.push(`  code: commit ${b.commit} + ${b.uncommittedPaths} uncommitted paths; ingest dist ${b.ingestDistHash}, compiled ${b.ingestCompiledAt}`);
  }
  for (const [kind, s] of Object.entries(result.servers))
    lines.push(`  ${kind}: ${s?.label ?? kind}${kind === 'ours' ? ' — GOP cache on (default)' : ' — no GOP cache, wait_key on'}`);
  lines.push(`  machine: ${result.machine.cpus} × ${result.machine.cpuModel}; background viewers during transit: ${result.settings.backgroundViewers}`);
  lines.push('');
  lines.push(
    formatTable(
      ['server', 'proto', 'transit p50 ms', 'p95', 'p99', 'max', 'frames', 'ttff p50 ms', 'p95', 'max', 'joins', 'timed out', 'began on keyframe'],
      result.rows.map((r) => [
        r.server,
        r.protocol,
        fmt(r.transitMs.p50, 2),
        fmt(r.transitMs.p95, 2),
        fmt(r.transitMs.p99, 2),
        fmt(r.transitMs.max, 1),
        String(r.transitMs.count),
        fmt(r.ttffMs.p50, 1),
        fmt(r.ttffMs.p95, 1),
        fmt(r.ttffMs.max, 1),
        String(r.joins.attempted),
        String(r.joins.timedOut),
        `${r.joins.startedOnKeyframe}/${r.joins.attempted}`,
      ]),
    ),
  );
  const split = result.rows.filter((r) => r.transitByJoinOrder);
  if (split.length > 0) {
    lines.push('');
    lines.push('transit by probe position (joined before / after the background viewers):');
    lines.push(
      formatTable(
        ['server', 'proto', 'before p50', 'p95', 'after p50', 'p95'],
        split.map((r) => [
          r.server,
          r.protocol,
          fmt(r.transitByJoinOrder?.beforeLoad.p50, 2),
          fmt(r.transitByJoinOrder?.beforeLoad.p95, 2),
          fmt(r.transitByJoinOrder?.afterLoad.p50, 2),
          fmt(r.transitByJoinOrder?.afterLoad.p95, 2),
        ]),
      ),
    );
  }
  lines.push('');
  lines.push('  transit: the publisher (paced RTMP client) writes a frame → a viewer in the same process has the whole frame; same clock, loopback,');
  lines.push('  so this is what the server adds (plus two loopback hops). ttff: connect → first decodable video frame (keyframe after the AVC');
  lines.push(
    `  configuration), joins at random points of the GOP, one at a time${result.settings.backgroundViewers > 0 ? ', after the background viewers left' : ''}.`,
  );
  if (ratios.length > 0) {
    lines.push('');
    lines.push('ours ÷ nginx-rtmp (RTMP play):');
    lines.push(
      formatTable(
        ['ours proto', 'transit p50', 'transit p95', 'ttff p50', 'ttff p95'],
        ratios.map((r) => [r.protocol, fmtRatio(r.transitP50), fmtRatio(r.transitP95), fmtRatio(r.ttffP50), fmtRatio(r.ttffP95)]),
      ),
    );
  }
  return { text: lines.join('\n'), summary: { ratios } };
}
