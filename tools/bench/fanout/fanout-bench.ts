// Fan-out benchmark: one 4 Mbps stream, N viewers over HTTP-FLV and RTMP,
// our ingest, nginx-rtmp and the C and Node floors measured in the same run. See tools/bench/README.md.
import { readFileSync } from 'node:fs';
import { sleep } from '@mediaplane/testing';
import { runBench } from '../common/bench-lifecycle';
import { buildIdentity } from '../common/build-identity';
import { choiceArg, envArg, listArg, numberArg, parseBenchArgs } from '../common/bench-args';
import { publishAndWaitPlayable } from '../common/bench-publishing';
import { startBenchServer, swarmConfig, type BenchServer, type PlayProtocol, type ServerKind } from '../common/bench-servers';
import { DEFAULT_SOURCE, ensureBenchSource } from '../common/bench-source';
import { loadFlvSource, type FlvSource } from '../common/flv-source';
import { machineUsage, processUsage } from '../common/proc-stats';
import { say } from '../common/progress';
import { writeResult } from '../common/report-table';
import { UsageSampler } from '../common/usage-sampler';
import { describeUnserved, formatFanoutReport, type FanoutResult, type FanoutRow } from './fanout-report';
import { ViewerSwarm } from '../common/viewer-swarm-process';
import { describeMachine, describeSource } from '../common/bench-context';

const USAGE = `usage: node tools/bench/run.cjs fanout [viewers...] [options]

  viewers            viewer counts to measure, each over every protocol (default: 50 150 300)
  --window S         steady measurement window per point, seconds (default 20)
  --settle S         wait after all viewers joined, before the window (default 3)
  --servers LIST     ours,nginx,floor,nodefloor (default all four). floor: a small C HTTP-FLV
                     server doing one write() per viewer per video frame and nothing else — what
                     the kernel charges for the fan-out itself; nodefloor: the same in Node (one
                     socket.write per viewer per video frame) — what the runtime adds to it
  --protocols LIST   flv,wsflv,rtmp for ours (default all three: HTTP-FLV, WebSocket-FLV, RTMP;
                     nginx-rtmp plays RTMP only, the floors HTTP-FLV)
  --rounds R         measure every point R times, interleaved; figures are medians (default 1)
  --concurrency N    viewers connecting at once (default 25)
  --ingest-env K=V   extra setting for our ingest, repeatable (e.g. INGEST_FANOUT_FLUSH_MS=20)
  --gc-probe on|off  our ingest with its inspector open, read after a full GC at the end of each
                     window (default on; off: no inspector, no memory-after-GC line)
  --report FILE      print the tables of a saved result again (no measurement)
  --json FILE        write the result here (default tmp/bench/fanout-<time>.json and fanout-latest.json)
  --no-build         (run.cjs) do not recompile the apps`;

interface Settings {
  viewers: number[];
  windowSeconds: number;
  settleSeconds: number;
  servers: ServerKind[];
  protocols: PlayProtocol[];
  concurrency: number;
  rounds: number;
  ingestEnv: Record<string, string>;
  gcProbe: boolean;
  json: string | undefined;
  report: string | undefined;
}

function settings(): Settings {
  const { values, positionals } = parseBenchArgs(USAGE, {
    window: { type: 'string' },
    settle: { type: 'string' },
    servers: { type: 'string' },
    protocols: { type: 'string' },
    concurrency: { type: 'string' },
    rounds: { type: 'string' },
    json: { type: 'string' },
    report: { type: 'string' },
    'ingest-env': { type: 'string', multiple: true },
    'gc-probe': { type: 'string' },
  });
  const viewers = positionals.length > 0 ? positionals.map(Number) : [50, 150, 300];
  if (viewers.some((n) => !Number.isInteger(n) || n < 1 || n > 5000)) {
    process.stderr.write(`viewer counts must be integers in 1..5000, got "${positionals.join(' ')}"\n\n${USAGE}\n`);
    process.exit(2);
  }
  return {
    viewers,
    windowSeconds: numberArg(values, 'window', 20, { min: 1, max: 600 }),
    settleSeconds: numberArg(values, 'settle', 3, { min: 0, max: 120 }),
    servers: listArg(values, 'servers', ['ours', 'nginx', 'floor', 'nodefloor'] as const, ['ours', 'nginx', 'floor', 'nodefloor']),
    protocols: listArg(values, 'protocols', ['flv', 'wsflv', 'rtmp'] as const, ['flv', 'wsflv', 'rtmp']),
    concurrency: numberArg(values, 'concurrency', 25, { min: 1, max: 500, integer: true }),
    rounds: numberArg(values, 'rounds', 1, { min: 1, max: 20, integer: true }),
    ingestEnv: envArg(values, 'ingest-env'),
    gcProbe: choiceArg(values, 'gc-probe', ['on', 'off'] as const, 'on') === 'on',
    json: typeof values['json'] === 'string' ? values['json'] : undefined,
    report: typeof values['report'] === 'string' ? values['report'] : undefined,
  };
}

const WARM_UP_MS = 10_000;

/** One measurement point: N viewers (0 = publisher only) over one protocol, for `windowSeconds`. */
async function measure(
  server: BenchServer,
  source: FlvSource,
  s: Settings,
  protocol: PlayProtocol | 'none',
  viewers: number,
  publisherFailed: () => Error | undefined,
): Promise<Omit<FanoutRow, 'round'>> {
  let swarm: ViewerSwarm | undefined;
  let joined: FanoutRow['join'];
  if (protocol !== 'none') {
    say(`${server.kind}: opening ${viewers} ${protocol} viewers…`);
    const started = await ViewerSwarm.start(swarmConfig(server, protocol, { count: viewers, fps: source.fps, concurrency: s.concurrency }));
    swarm = started.swarm;
    const j = started.joined;
    joined = { joined: j.joined, failed: j.failed, firstError: j.firstError, ttffP50Ms: j.ttffP50Ms, ttffP95Ms: j.ttffP95Ms };
    if (j.failed > 0) say(`${server.kind}: ${j.failed} of ${viewers} ${protocol} viewers did not start${j.firstError ? ` (${j.firstError})` : ''}`);
  }
  try {
    await sleep(s.settleSeconds * 1000);
    const dropsBefore = await server.serverDrops();
    const sampler = new UsageSampler({
      server: () => server.usage(),
      viewers: () => (swarm ? swarm.usage() : { cpuSeconds: 0, rssBytes: 0, pids: [] }),
      publisher: () => processUsage(process.pid),
      machine: machineUsage,
    });
    sampler.start();
    swarm?.startWindow();
    say(`${server.kind}: ${protocol === 'none' ? 'baseline (publisher only)' : `${viewers} ${protocol} viewers`} — measuring ${s.windowSeconds} s`);
    await sleep(s.windowSeconds * 1000);
    const frames = swarm ? await swarm.endWindow() : undefined;
    const usage = sampler.stop();
    const dropsAfter = await server.serverDrops();
    // After the window, viewers still connected: what they hold once the garbage is gone (ours; outside the CPU window).
    const gc = await server.memoryAfterFullGc?.();
    const failure = publisherFailed();
    if (failure) throw new Error(`${server.label}: ${failure.message} during the window`);
    return {
      server: server.kind,
      protocol,
      viewers: protocol === 'none' ? 0 : viewers,
      usage,
      frames,
      serverDrops: dropsBefore !== undefined && dropsAfter !== undefined ? dropsAfter - dropsBefore : undefined,
      join: joined,
      ...(gc ? { afterGc: { rssBytes: gc.rss, heapUsedBytes: gc.heapUsed, heapTotalBytes: gc.heapTotal, externalBytes: gc.external } } : {}),
    };
  } finally {
    await swarm?.stop();
  }
}

runBench(async ({ defer }) => {
  const s = settings();
  if (s.report) {
    process.stdout.write(`${formatFanoutReport(JSON.parse(readFileSync(s.report, 'utf8')) as FanoutResult).text}\n`);
    return;
  }
  const sourceFile = await ensureBenchSource(DEFAULT_SOURCE);
  const source = loadFlvSource(sourceFile);
  const result: FanoutResult = {
    bench: 'fanout',
    startedAt: new Date().toISOString(),
    machine: describeMachine(),
    source: describeSource(sourceFile, DEFAULT_SOURCE, source),
    settings: {
      viewers: s.viewers,
      windowSeconds: s.windowSeconds,
      settleSeconds: s.settleSeconds,
      concurrency: s.concurrency,
      rounds: s.rounds,
      ingestEnv: s.ingestEnv,
      gcProbe: s.gcProbe,
    },
    build: buildIdentity(),
    servers: {},
    rows: [],
  };
  say(`source ${source.fps} fps, ${Math.round(source.bitrateKbps)} kb/s (${sourceFile})`);

  // Every server runs through the whole bench, each with its own publisher,
  // and the points are interleaved (N viewers: ours/flv, ours/rtmp,
  // nginx/rtmp, floor/flv, nodefloor/flv, then the next N), so drifting background load
  // hits all alike.
  const running: Array<{ server: BenchServer; publisherError: () => Error | undefined }> = [];
  for (const kind of s.servers) {
    say(`starting ${kind}…`);
    const server = await startBenchServer(kind, { ingestEnv: s.ingestEnv, inspect: s.gcProbe });
    defer(`stop ${kind}`, () => server.stop());
    result.servers[kind] = { label: server.label, logFile: server.logFile };
    const publisher = await publishAndWaitPlayable(server, source);
    defer(`stop publisher to ${kind}`, () => publisher.stop());
    running.push({ server, publisherError: () => server.failure?.() ?? publisher.error });
  }
  // A freshly started Node server spends its first seconds compiling and sizing its heap.
  await sleep(WARM_UP_MS);
  for (let round = 1; round <= s.rounds; round++) {
    if (s.rounds > 1) say(`round ${round} of ${s.rounds}`);
    // Each round measures the publisher-only baselines again; the report nets against their medians.
    for (const { server, publisherError } of running) result.rows.push({ ...(await measure(server, source, s, 'none', 0, publisherError)), round });
    for (const viewers of s.viewers) {
      for (const { server, publisherError } of running) {
        // --protocols picks ours' protocols; the references play the one each has.
        for (const protocol of server.protocols.filter((p) => s.protocols.includes(p) || server.kind !== 'ours')) {
          result.rows.push({ ...(await measure(server, source, s, protocol, viewers, publisherError)), round });
          // Let the server close the last viewers before the next point.
          await sleep(2000);
        }
      }
    }
  }
  result.finishedAt = new Date().toISOString();
  const report = formatFanoutReport(result);
  result.summary = report.summary;
  process.stdout.write(`${report.text}\n`);
  say(`result written to ${writeResult('fanout', result, s.json)}`);
  if (report.summary.unserved.length > 0) throw new Error(`not every viewer asked for was served: ${describeUnserved(report.summary.unserved)}`);
});
