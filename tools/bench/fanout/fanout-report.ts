import type { PlayProtocol, ServerKind } from '../common/bench-servers';
import type { BuildIdentity } from '../common/build-identity';
import { fmt, fmtRatio, formatTable } from '../common/report-table';
import { median } from '../common/stats';
import { THREAD_GROUPS, threadCpuOf, type ThreadCpu } from '../common/proc-stats';
import type { WindowUsage } from '../common/usage-sampler';
import type { SwarmWindow } from '../common/swarm-messages';
import type { BenchMachine } from '../common/bench-context';

export interface FanoutRow {
  server: ServerKind;
  /** 'none': the baseline window, publisher only. */
  protocol: PlayProtocol | 'none';
  viewers: number;
  /** 1..R: the round the window was measured in (baselines too; results saved before per-round baselines have 0 for theirs). */
  round: number;
  /** machine: every process on the box (the cores the others ran on). */
  usage: Record<'server' | 'viewers' | 'publisher' | 'machine', WindowUsage>;
  frames?: SwarmWindow;
  /** Frames the server reports having skipped for slow viewers during the window (ours only). */
  serverDrops?: number;
  join?: { joined: number; failed: number; firstError?: string; ttffP50Ms: number; ttffP95Ms: number };
  /** Ours: its memory right after a full collection, taken at the end of the window with the viewers still on. */
  afterGc?: MemoryAfterGc;
}

/** A Node server's memory right after a full garbage collection (read over its inspector). */
export interface MemoryAfterGc {
  rssBytes: number;
  heapUsedBytes: number;
  /** The pages V8 holds for its heap, used or not (saved results from before it was recorded: absent). */
  heapTotalBytes?: number;
  /** Memory of Buffers and other objects outside the heap that JavaScript still holds. */
  externalBytes: number;
}

/** Figures derived from a row and its server's baseline row. */
export interface FanoutFigures {
  server: ServerKind;
  protocol: PlayProtocol;
  viewers: number;
  serverCpuPercent: number;
  /** Server CPU-seconds per viewer-second, all of it / minus the publisher-only baseline. */
  cpuSecondsPerViewerSecond: { raw: number; net: number };
  /**
   * The server's write-type system calls per viewer-second, minus the
   * baseline's: how many writes a viewer costs (undefined where /proc/<pid>/io
   * could not be read).
   */
  writesPerViewerSecond: number | undefined;
  /** (RSS with N viewers − RSS with none) / N, bytes. */
  memoryPerViewerBytes: number;
  rssMeanBytes: number;
  /** Ours: memory after a full collection at the end of the window (medians over the rounds). */
  afterGc: MemoryAfterGc | undefined;
  /** Frames missing from viewers' timestamp sequences (all viewers). */
  droppedFrames: number;
  viewersWithDrops: number;
  /** Frames received / fps × window × viewers, percent. */
  deliveredPercent: number;
  serverDrops: number | undefined;
  viewersEnded: number;
  viewersFailedToStart: number;
  /** Viewers that received video during the window (the fewest over the rounds), of the `viewers` asked for. */
  viewersReceiving: number;
  ttffP50Ms: number | undefined;
  deliveredMbps: number;
  viewerProcessCpuPercent: number;
  publisherProcessCpuPercent: number;
  /** CPU of processes outside the bench during the window (100 = one core): other work on the machine. */
  otherProcessesCpuPercent: number;
  /** The viewer process used most of a core: the figures may understate the server. */
  viewerBound: boolean;
  /** The server's CPU over the window by thread group, 100 = one core (results saved before it was recorded: undefined). */
  threadCpuPercent: ThreadCpu | undefined;
  /** Rounds this point was measured in; rates are medians over them, drop counts their sums. */
  rounds: number;
}

/** `server` over `protocol` divided by a reference at the same viewer count. */
export interface FanoutRatio {
  server: ServerKind;
  protocol: PlayProtocol;
  viewers: number;
  cpuNet: number;
  cpuRaw: number;
  memory: number;
}

export interface FanoutSummary {
  figures: FanoutFigures[];
  /** ours and the floors ÷ nginx-rtmp (RTMP play) at the same viewer count. */
  ratios: FanoutRatio[];
  /** ours ÷ the floor (its HTTP-FLV) at the same viewer count: what ours spends beyond the kernel's part. */
  aboveFloor: FanoutRatio[];
  /** ours ÷ the Node floor (its HTTP-FLV): what ours spends beyond one socket.write per viewer per frame. */
  aboveNodeFloor: FanoutRatio[];
  /**
   * RSS growth per added viewer between the smallest and largest N (a fixed
   * step at the first viewers — a Node heap sizing itself up — would
   * otherwise dominate (RSS_N − RSS_0) / N at small N).
   */
  memorySlopes: Array<{ server: ServerKind; protocol: PlayProtocol; fromViewers: number; toViewers: number; bytesPerViewer: number }>;
  /**
   * The same slopes after a full collection (ours): what a viewer really holds, without the garbage
   * and the heap's own sizing that make the RSS slope drift with the process's history.
   */
  memoryAfterGcSlopes: Array<{ server: ServerKind; protocol: PlayProtocol; fromViewers: number; toViewers: number; perViewer: MemoryAfterGc }>;
  /** Points where fewer viewers received video than were asked for: the bench fails on them. */
  unserved: Array<{ server: ServerKind; protocol: PlayProtocol; viewers: number; receiving: number; failedToStart: number }>;
  /** The issue's target: 300 viewers within one core (server CPU ≤ 100 %) with no drops. */
  target300: Array<{ protocol: PlayProtocol; measured: boolean; pass: boolean; why: string }>;
}

export interface FanoutResult {
  bench: 'fanout';
  startedAt: string;
  finishedAt?: string;
  machine: BenchMachine;
  source: { file: string; width: number; height: number; fps: number; bitrateKbps: number; gopSeconds: number };
  settings: {
    viewers: number[];
    windowSeconds: number;
    settleSeconds: number;
    concurrency: number;
    rounds?: number;
    ingestEnv?: Record<string, string>;
    gcProbe?: boolean;
  };
  /** The code measured (the ingest's compiled files are hashed when the bench starts). */
  build?: BuildIdentity;
  servers: Partial<Record<ServerKind, { label: string; logFile: string | undefined }>>;
  rows: FanoutRow[];
  summary?: FanoutSummary;
}

const VIEWER_BOUND_PERCENT = 90;

/** A server's publisher-only rates: the medians over its baseline windows (one per round). */
export interface FanoutBaseline {
  cpuSecondsPerSecond: number;
  rssMeanBytes: number;
  writesPerSecond: number | undefined;
  /** CPU by thread group, 100 = one core (undefined when a window did not record it). */
  threadCpuPercent: ThreadCpu | undefined;
}

/**
 * The median of `server`'s baseline windows. One per round, so a window
 * disturbed by start-up (JIT, the first GCs) or by other work on the machine
 * does not shift every net figure of that server.
 */
export function baselineOf(rows: FanoutRow[], server: ServerKind): FanoutBaseline | undefined {
  const windows = rows.filter((r) => r.server === server && r.protocol === 'none').map((r) => r.usage.server);
  if (windows.length === 0) return undefined;
  const writes = windows.map((w) => (w.writeSyscalls === undefined ? undefined : w.writeSyscalls / w.wallSeconds));
  return {
    cpuSecondsPerSecond: median(windows.map((w) => w.cpuSeconds / w.wallSeconds)),
    rssMeanBytes: median(windows.map((w) => w.rssMeanBytes)),
    writesPerSecond: writes.some((w) => w === undefined) ? undefined : median(writes as number[]),
    threadCpuPercent: medianThreadCpu(windows.map((w) => w.threadCpuPercent)),
  };
}

export function deriveFigures(row: FanoutRow, baseline: FanoutBaseline | undefined): FanoutFigures | undefined {
  if (row.protocol === 'none' || !row.frames) return undefined;
  const s = row.usage.server;
  const viewerSeconds = row.viewers * s.wallSeconds;
  const baseCpuSeconds = (baseline?.cpuSecondsPerSecond ?? 0) * s.wallSeconds;
  const baseRss = baseline?.rssMeanBytes ?? 0;
  const writes = s.writeSyscalls;
  const baseWriteRate = baseline?.writesPerSecond;
  return {
    server: row.server,
    protocol: row.protocol,
    viewers: row.viewers,
    serverCpuPercent: s.cpuPercent,
    cpuSecondsPerViewerSecond: { raw: s.cpuSeconds / viewerSeconds, net: (s.cpuSeconds - baseCpuSeconds) / viewerSeconds },
    writesPerViewerSecond: writes !== undefined && baseWriteRate !== undefined ? (writes - baseWriteRate * s.wallSeconds) / viewerSeconds : undefined,
    memoryPerViewerBytes: (s.rssMeanBytes - baseRss) / row.viewers,
    rssMeanBytes: s.rssMeanBytes,
    afterGc: row.afterGc,
    droppedFrames: row.frames.gapDrops,
    viewersWithDrops: row.frames.viewersWithDrops,
    deliveredPercent: row.frames.expected > 0 ? (row.frames.frames / row.frames.expected) * 100 : 0,
    serverDrops: row.serverDrops,
    viewersEnded: row.frames.endedByServer,
    viewersFailedToStart: row.join?.failed ?? 0,
    // Results saved before the swarm counted receiving viewers: the connected ones.
    viewersReceiving: (row.frames as Partial<SwarmWindow>).receiving ?? row.frames.alive,
    ttffP50Ms: row.join?.ttffP50Ms,
    deliveredMbps: (row.frames.bytes * 8) / row.frames.wallSeconds / 1e6,
    viewerProcessCpuPercent: row.usage.viewers.cpuPercent,
    publisherProcessCpuPercent: row.usage.publisher.cpuPercent,
    otherProcessesCpuPercent: othersPercent(row),
    viewerBound: row.usage.viewers.cpuPercent > VIEWER_BOUND_PERCENT,
    threadCpuPercent: s.threadCpuPercent,
    rounds: 1,
  };
}

/** One point measured over several rounds: medians of rates and sizes, sums of losses, the worst delivery. */
export function combineRounds(list: FanoutFigures[]): FanoutFigures {
  const first = list[0];
  if (!first) throw new Error('no figures to combine');
  if (list.length === 1) return first;
  const med = (pick: (f: FanoutFigures) => number): number => median(list.map(pick));
  const total = (pick: (f: FanoutFigures) => number): number => list.reduce((sum, f) => sum + pick(f), 0);
  return {
    ...first,
    serverCpuPercent: med((f) => f.serverCpuPercent),
    cpuSecondsPerViewerSecond: { raw: med((f) => f.cpuSecondsPerViewerSecond.raw), net: med((f) => f.cpuSecondsPerViewerSecond.net) },
    writesPerViewerSecond: list.some((f) => f.writesPerViewerSecond === undefined) ? undefined : med((f) => f.writesPerViewerSecond ?? 0),
    memoryPerViewerBytes: med((f) => f.memoryPerViewerBytes),
    rssMeanBytes: med((f) => f.rssMeanBytes),
    afterGc: list.every((f) => f.afterGc)
      ? {
          rssBytes: med((f) => f.afterGc?.rssBytes ?? 0),
          heapUsedBytes: med((f) => f.afterGc?.heapUsedBytes ?? 0),
          heapTotalBytes: med((f) => f.afterGc?.heapTotalBytes ?? 0),
          externalBytes: med((f) => f.afterGc?.externalBytes ?? 0),
        }
      : undefined,
    droppedFrames: total((f) => f.droppedFrames),
    viewersWithDrops: total((f) => f.viewersWithDrops),
    deliveredPercent: Math.min(...list.map((f) => f.deliveredPercent)),
    serverDrops: list.some((f) => f.serverDrops === undefined) ? undefined : total((f) => f.serverDrops ?? 0),
    viewersEnded: total((f) => f.viewersEnded),
    viewersFailedToStart: total((f) => f.viewersFailedToStart),
    viewersReceiving: Math.min(...list.map((f) => f.viewersReceiving)),
    ttffP50Ms: first.ttffP50Ms === undefined ? undefined : med((f) => f.ttffP50Ms ?? 0),
    deliveredMbps: med((f) => f.deliveredMbps),
    viewerProcessCpuPercent: med((f) => f.viewerProcessCpuPercent),
    publisherProcessCpuPercent: med((f) => f.publisherProcessCpuPercent),
    otherProcessesCpuPercent: med((f) => f.otherProcessesCpuPercent),
    viewerBound: list.some((f) => f.viewerBound),
    threadCpuPercent: medianThreadCpu(list.map((f) => f.threadCpuPercent)),
    rounds: list.length,
  };
}

/** The median of each thread group over the windows; undefined unless every window has it. */
function medianThreadCpu(list: Array<ThreadCpu | undefined>): ThreadCpu | undefined {
  if (list.length === 0 || list.some((t) => t === undefined)) return undefined;
  const all = list as ThreadCpu[];
  return threadCpuOf((group) => median(all.map((t) => t[group])));
}

function othersPercent(row: FanoutRow): number {
  const u = row.usage;
  return Math.max(0, u.machine.cpuPercent - u.server.cpuPercent - u.viewers.cpuPercent - u.publisher.cpuPercent);
}

export function summarizeFanout(result: FanoutResult): FanoutSummary {
  const points = new Map<string, FanoutFigures[]>();
  const kinds = [...new Set(result.rows.map((r) => r.server))];
  const baselines = new Map(kinds.map((kind) => [kind, baselineOf(result.rows, kind)]));
  for (const row of result.rows) {
    const f = deriveFigures(row, baselines.get(row.server));
    if (!f) continue;
    const key = `${f.server}/${f.protocol}/${f.viewers}`;
    points.set(key, [...(points.get(key) ?? []), f]);
  }
  const rank: Record<ServerKind, number> = { ours: 0, floor: 1, nodefloor: 2, nginx: 3 };
  const servers = (Object.keys(rank) as ServerKind[]).sort((a, b) => rank[a] - rank[b]);
  const protocolRank: Record<PlayProtocol, number> = { flv: 0, wsflv: 1, rtmp: 2 };
  const order = (f: FanoutFigures): string => `${rank[f.server]}/${protocolRank[f.protocol]}/${String(f.viewers).padStart(6, '0')}`;
  const figures = [...points.values()].map(combineRounds).sort((a, b) => order(a).localeCompare(order(b)));
  const ratios = [
    ...ratiosTo(figures, 'ours', 'nginx', 'rtmp'),
    ...ratiosTo(figures, 'floor', 'nginx', 'rtmp'),
    ...ratiosTo(figures, 'nodefloor', 'nginx', 'rtmp'),
  ];
  const aboveFloor = ratiosTo(figures, 'ours', 'floor', 'flv');
  const aboveNodeFloor = ratiosTo(figures, 'ours', 'nodefloor', 'flv');
  const memorySlopes: FanoutSummary['memorySlopes'] = [];
  const memoryAfterGcSlopes: FanoutSummary['memoryAfterGcSlopes'] = [];
  for (const server of servers) {
    for (const protocol of ['flv', 'wsflv', 'rtmp'] as const) {
      const points = figures.filter((f) => f.server === server && f.protocol === protocol).sort((a, b) => a.viewers - b.viewers);
      const low = points[0];
      const high = points[points.length - 1];
      if (!low || !high || high.viewers === low.viewers) continue;
      const span = { server, protocol, fromViewers: low.viewers, toViewers: high.viewers };
      const added = high.viewers - low.viewers;
      memorySlopes.push({ ...span, bytesPerViewer: (high.rssMeanBytes - low.rssMeanBytes) / added });
      if (low.afterGc && high.afterGc) {
        const [l, h] = [low.afterGc, high.afterGc];
        memoryAfterGcSlopes.push({
          ...span,
          perViewer: {
            rssBytes: (h.rssBytes - l.rssBytes) / added,
            heapUsedBytes: (h.heapUsedBytes - l.heapUsedBytes) / added,
            heapTotalBytes: ((h.heapTotalBytes ?? 0) - (l.heapTotalBytes ?? 0)) / added,
            externalBytes: (h.externalBytes - l.externalBytes) / added,
          },
        });
      }
    }
  }
  const target300: FanoutSummary['target300'] = [];
  for (const protocol of ['flv', 'wsflv', 'rtmp'] as const) {
    if (!result.rows.some((r) => r.server === 'ours' && r.protocol === protocol)) continue;
    const f = figures.find((x) => x.server === 'ours' && x.protocol === protocol && x.viewers === 300);
    if (!f) {
      target300.push({ protocol, measured: false, pass: false, why: '300 viewers not measured in this run' });
      continue;
    }
    const problems: string[] = [];
    if (f.serverCpuPercent > 100) problems.push(`server CPU ${fmt(f.serverCpuPercent)} % of one core`);
    if (f.droppedFrames > 0) problems.push(`${f.droppedFrames} frames dropped`);
    if ((f.serverDrops ?? 0) > 0) problems.push(`server skipped ${f.serverDrops} frames`);
    if (f.viewersEnded > 0) problems.push(`${f.viewersEnded} viewers disconnected`);
    if (f.viewersFailedToStart > 0) problems.push(`${f.viewersFailedToStart} viewers did not start`);
    if (f.deliveredPercent < 98) problems.push(`only ${fmt(f.deliveredPercent)} % of the frames arrived`);
    target300.push({
      protocol,
      measured: true,
      pass: problems.length === 0,
      why: problems.length === 0 ? `server CPU ${fmt(f.serverCpuPercent)} % of one core, no drops` : problems.join(', '),
    });
  }
  const unserved = figures
    .filter((f) => f.viewersReceiving < f.viewers)
    .map((f) => ({ server: f.server, protocol: f.protocol, viewers: f.viewers, receiving: f.viewersReceiving, failedToStart: f.viewersFailedToStart }));
  return { figures, ratios, aboveFloor, aboveNodeFloor, memorySlopes, memoryAfterGcSlopes, unserved, target300 };
}

/** Each of `server`'s points divided by `reference` over `referenceProtocol` at the same viewer count. */
function ratiosTo(figures: FanoutFigures[], server: ServerKind, reference: ServerKind, referenceProtocol: PlayProtocol): FanoutRatio[] {
  const ratios: FanoutRatio[] = [];
  for (const f of figures.filter((x) => x.server === server)) {
    const ref = figures.find((x) => x.server === reference && x.protocol === referenceProtocol && x.viewers === f.viewers);
    if (!ref) continue;
    ratios.push({
      server,
      protocol: f.protocol,
      viewers: f.viewers,
      cpuNet: f.cpuSecondsPerViewerSecond.net / ref.cpuSecondsPerViewerSecond.net,
      cpuRaw: f.cpuSecondsPerViewerSecond.raw / ref.cpuSecondsPerViewerSecond.raw,
      memory: f.memoryPerViewerBytes / ref.memoryPerViewerBytes,
    });
  }
  return ratios;
}

/** "ours flv 500: 497 of 500 received video (3 did not start)", joined by "; ". */
export function describeUnserved(unserved: FanoutSummary['unserved']): string {
  return unserved
    .map(
      (u) =>
        `${u.server} ${u.protocol} ${u.viewers}: ${u.receiving} of ${u.viewers} received video${u.failedToStart ? ` (${u.failedToStart} did not start)` : ''}`,
    )
    .join('; ');
}

function ratioTable(ratios: FanoutRatio[]): string {
  return formatTable(
    ['server', 'proto', 'viewers', 'cpu/viewer-s net', 'raw', 'memory/viewer'],
    ratios.map((r) => [r.server, r.protocol, String(r.viewers), fmtRatio(r.cpuNet), fmtRatio(r.cpuRaw), fmtRatio(r.memory)]),
  );
}

/** The Node servers' CPU by thread group, baseline and points (medians over the rounds); undefined when not recorded. */
function threadTable(result: FanoutResult, summary: FanoutSummary): string | undefined {
  const rows: string[][] = [];
  const cells = (t: ThreadCpu): string[] => THREAD_GROUPS.map((group) => fmt(t[group]));
  for (const kind of NODE_SERVERS) {
    const base = baselineOf(result.rows, kind)?.threadCpuPercent;
    if (base) rows.push([kind, 'idle', '0', ...cells(base)]);
    for (const f of summary.figures.filter((x) => x.server === kind && x.threadCpuPercent)) {
      rows.push([f.server, f.protocol, String(f.viewers), ...cells(f.threadCpuPercent as ThreadCpu)]);
    }
  }
  if (rows.length === 0) return undefined;
  return [
    "The Node servers' CPU by thread, % of a core: main = the JavaScript thread and the system calls it makes (the writes to viewers among them);",
    "V8 = V8's platform threads (concurrent marking and sweeping, background compilation); other = every other thread (libuv's pool, libsrt's).",
    formatTable(['server', 'proto', 'viewers', 'main', 'V8', 'other'], rows),
  ].join('\n');
}

/** Servers that run on Node, whose CPU the thread table splits. */
const NODE_SERVERS: readonly ServerKind[] = ['ours', 'nodefloor'];

export function formatFanoutReport(result: FanoutResult): { text: string; summary: FanoutSummary } {
  const summary = summarizeFanout(result);
  const rows: string[][] = [];
  for (const kind of Object.keys(result.servers) as ServerKind[]) {
    const idle = result.rows.filter((r) => r.server === kind && r.protocol === 'none');
    const base = baselineOf(result.rows, kind);
    if (base) {
      rows.push([
        kind,
        'idle',
        '0',
        '-',
        fmt(base.cpuSecondsPerSecond * 100),
        '-',
        '-',
        '-',
        fmt(base.rssMeanBytes / 2 ** 20),
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        fmt(median(idle.map((r) => r.usage.publisher.cpuPercent))),
        fmt(median(idle.map(othersPercent))),
      ]);
    }
    for (const f of summary.figures.filter((x) => x.server === kind)) {
      rows.push([
        f.server,
        f.protocol,
        String(f.viewers),
        `${f.viewersReceiving}/${f.viewers}`,
        fmt(f.serverCpuPercent),
        fmt(f.cpuSecondsPerViewerSecond.raw * 1000, 3),
        fmt(f.cpuSecondsPerViewerSecond.net * 1000, 3),
        f.writesPerViewerSecond === undefined ? '-' : fmt(f.writesPerViewerSecond),
        fmt(f.rssMeanBytes / 2 ** 20),
        fmt(f.memoryPerViewerBytes / 1024),
        fmt(f.deliveredPercent),
        `${f.droppedFrames} (${f.viewersWithDrops})`,
        f.serverDrops === undefined ? '-' : String(f.serverDrops),
        fmt(f.deliveredMbps, 0),
        `${fmt(f.viewerProcessCpuPercent)}${f.viewerBound ? '!' : ''}`,
        fmt(f.publisherProcessCpuPercent),
        fmt(f.otherProcessesCpuPercent),
      ]);
    }
  }
  const headers = [
    'server',
    'proto',
    'viewers',
    'served',
    'srv cpu%',
    'cpu-ms/viewer-s',
    'net',
    'writes/viewer-s',
    'RSS MB',
    'KB/viewer',
    'delivered%',
    'drops (viewers)',
    'srv drops',
    'Mb/s out',
    'viewer-proc cpu%',
    'pub cpu%',
    'others cpu%',
  ];
  const lines: string[] = [];
  const src = result.source;
  lines.push('');
  const rounds = result.settings.rounds ?? 1;
  lines.push(
    `FAN-OUT — one ${src.width}x${src.height} ${src.fps} fps stream at ${src.bitrateKbps} kb/s (GOP ${src.gopSeconds} s), ${result.settings.windowSeconds} s window per point` +
      (rounds > 1 ? `, ${rounds} interleaved rounds (medians; drops summed)` : ''),
  );
  if (result.build) {
    const b = result.build;
    lines.push(`  code: commit ${b.commit} + ${b.uncommittedPaths} uncommitted paths; ingest dist ${b.ingestDistHash}, compiled ${b.ingestCompiledAt}`);
  }
  for (const [kind, s] of Object.entries(result.servers)) lines.push(`  ${kind}: ${s?.label ?? kind}`);
  lines.push(`  machine: ${result.machine.cpus} × ${result.machine.cpuModel}; the server, the viewer process and the publisher share these cores.`);
  lines.push('');
  lines.push(formatTable(headers, rows));
  lines.push('');
  lines.push('  served: viewers that received video during the window / viewers asked for (the fewest over the rounds).');
  lines.push('  srv cpu%: server process(es) CPU over the window, 100 = one core. cpu-ms/viewer-s: server CPU-ms per viewer-second (×1000 of CPU-s/viewer-s);');
  lines.push(
    "  net subtracts the publisher-only (idle) baseline, the median of one window per round. KB/viewer: (mean RSS with N − idle RSS) / N. drops: frames missing from viewers' timestamp",
  );
  lines.push(
    '  sequences (viewers affected); srv drops: frames the ingest says it skipped. "!" after viewer-proc cpu%: the viewer process was near a full core,',
  );
  lines.push('  so that point may be bounded by the viewers, not the server. others cpu%: processes outside the bench during the window (noise).');
  lines.push("  writes/viewer-s: the server's write/writev system calls per viewer-second, net of the baseline (/proc/<pid>/io syscw; nginx-rtmp sends");
  lines.push('  with send(), which syscw does not count, so it reads 0).');
  if (summary.memorySlopes.length > 0) {
    lines.push('');
    lines.push(
      `marginal memory per viewer (RSS slope): ${summary.memorySlopes
        .map((m) => `${m.server} ${m.protocol} ${fmt(m.bytesPerViewer / 1024)} KB (${m.fromViewers}→${m.toViewers})`)
        .join(', ')}`,
    );
  }
  if (summary.memoryAfterGcSlopes.length > 0) {
    lines.push(
      `the same after a full collection at the end of each window (over the inspector): ${summary.memoryAfterGcSlopes
        .map(
          (m) =>
            `${m.server} ${m.protocol} heap ${fmt(m.perViewer.heapUsedBytes / 1024)} (V8's pages ${fmt((m.perViewer.heapTotalBytes ?? 0) / 1024)}) + external ${fmt(m.perViewer.externalBytes / 1024)} KB, RSS ${fmt(m.perViewer.rssBytes / 1024)} KB`,
        )
        .join(', ')}`,
    );
  }
  const threads = threadTable(result, summary);
  if (threads) lines.push('', threads);
  const ratioSections: Array<[string, FanoutRatio[]]> = [
    ['÷ nginx-rtmp (RTMP play), same viewer count:', summary.ratios],
    ["ours ÷ the floor (HTTP-FLV), same viewer count — 1.00× would be a server that costs only the kernel's part of the fan-out:", summary.aboveFloor],
    [
      'ours ÷ the Node floor (HTTP-FLV), same viewer count — 1.00× would be a server that costs only what one socket.write per viewer per frame costs in Node:',
      summary.aboveNodeFloor,
    ],
  ];
  for (const [title, ratios] of ratioSections) {
    if (ratios.length === 0) continue;
    lines.push('', title, ratioTable(ratios));
  }
  if (summary.unserved.length > 0) {
    lines.push('');
    lines.push(`NOT SERVED: fewer viewers received video than were asked for — ${describeUnserved(summary.unserved)}`);
  }
  if (summary.target300.length > 0) {
    lines.push('');
    for (const t of summary.target300)
      lines.push(`target "300 viewers on one core, no drops" over ${t.protocol}: ${t.measured ? (t.pass ? 'PASS' : 'FAIL') : 'not measured'} — ${t.why}`);
    const nginxBeaten = summary.ratios.filter((r) => r.server === 'ours' && r.viewers === 300);
    for (const r of nginxBeaten)
      lines.push(
        `target "no more CPU per viewer than nginx-rtmp" over ${r.protocol} at 300: ${r.cpuNet <= 1 ? 'PASS' : 'FAIL'} (${fmt(r.cpuNet, 2)}× nginx-rtmp, net)`,
      );
  }
  return { text: lines.join('\n'), summary };
}
