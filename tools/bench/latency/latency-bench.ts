// Latency benchmark: server-added latency (publisher write → complete frame at
// a viewer, same process and clock) and time to first decodable frame for a
// joining viewer, ours (HTTP-FLV and RTMP, GOP cache on) beside nginx-rtmp.
// See tools/bench/README.md.
import { readFileSync } from 'node:fs';
import { sleep } from '@mediaplane/testing';
import { runBench } from '../common/bench-lifecycle';
import { buildIdentity } from '../common/build-identity';
import { envArg, listArg, numberArg, parseBenchArgs } from '../common/bench-args';
import { openViewer, publishAndWaitPlayable } from '../common/bench-publishing';
import { startBenchServer, swarmConfig, type BenchServer, type PlayProtocol } from '../common/bench-servers';
import { DEFAULT_SOURCE, ensureBenchSource } from '../common/bench-source';
import { FrameTracker } from '../common/frame-tracker';
import { loadFlvSource } from '../common/flv-source';
import { classifyTag, isVideoFrame } from '../common/media-tags';
import { say } from '../common/progress';
import { writeResult } from '../common/report-table';
import { summarize } from '../common/stats';
import { ViewerSwarm } from '../common/viewer-swarm-process';
import { frameFingerprint, uniqueVideoFingerprints } from './frame-fingerprint';
import { formatLatencyReport, type LatencyResult, type LatencyRow } from './latency-report';
import { describeMachine, describeSource } from '../common/bench-context';

const USAGE = `usage: node tools/bench/run.cjs latency [options]

  --seconds S        transit measurement per server, seconds (default 20)
  --joins N          joining viewers timed per server and protocol (default 30)
  --load N           also keep N background viewers on the server during the transit window (default 0)
  --servers LIST     ours,nginx (default both)
  --protocols LIST   flv,wsflv,rtmp for ours (default all three; nginx-rtmp plays RTMP only)
  --ingest-env K=V   extra setting for our ingest, repeatable (e.g. INGEST_FANOUT_FLUSH_MS=20)
  --report FILE      print the tables of a saved result again (no measurement)
  --json FILE        write the result here (default tmp/bench/latency-<time>.json and latency-latest.json)
  --no-build         (run.cjs) do not recompile the apps`;

const JOIN_TIMEOUT_MS = 10_000;

runBench(async ({ defer }) => {
  const { values } = parseBenchArgs(USAGE, {
    seconds: { type: 'string' },
    joins: { type: 'string' },
    load: { type: 'string' },
    servers: { type: 'string' },
    protocols: { type: 'string' },
    json: { type: 'string' },
    report: { type: 'string' },
    'ingest-env': { type: 'string', multiple: true },
  });
  if (typeof values['report'] === 'string') {
    process.stdout.write(`${formatLatencyReport(JSON.parse(readFileSync(values['report'], 'utf8')) as LatencyResult).text}\n`);
    return;
  }
  const seconds = numberArg(values, 'seconds', 20, { min: 1, max: 600 });
  const joins = numberArg(values, 'joins', 30, { min: 1, max: 1000, integer: true });
  const load = numberArg(values, 'load', 0, { min: 0, max: 5000, integer: true });
  const servers = listArg(values, 'servers', ['ours', 'nginx'] as const, ['ours', 'nginx']);
  const protocols = listArg(values, 'protocols', ['flv', 'wsflv', 'rtmp'] as const, ['flv', 'wsflv', 'rtmp']);
  const ingestEnv = envArg(values, 'ingest-env');

  const sourceFile = await ensureBenchSource(DEFAULT_SOURCE);
  const source = loadFlvSource(sourceFile);
  const { unique, ambiguous } = uniqueVideoFingerprints(source.frames);
  if (ambiguous > 0) say(`${ambiguous} video frames of the source share a fingerprint and are not timed`);
  const gopMs = DEFAULT_SOURCE.gopSeconds * 1000;

  const result: LatencyResult = {
    bench: 'latency',
    startedAt: new Date().toISOString(),
    machine: describeMachine(),
    source: describeSource(sourceFile, DEFAULT_SOURCE, source),
    settings: { transitSeconds: seconds, joins, backgroundViewers: load, ingestEnv },
    build: buildIdentity(),
    servers: {},
    rows: [],
  };

  for (const kind of servers) {
    say(`starting ${kind}…`);
    const server = await startBenchServer(kind, { ingestEnv });
    const stopServer = defer(`stop ${kind}`, () => server.stop());
    result.servers[kind] = { label: server.label };
    // Send time of the newest copy of each video frame (the source loops, so a frame recurs every loop).
    const sentAt = new Map<string, number>();
    const publisher = await publishAndWaitPlayable(server, source, (tag, _ts, at) => {
      if (isVideoFrame(tag.kind)) sentAt.set(frameFingerprint(tag.data), at);
    });
    const stopPublisher = defer(`stop publisher to ${kind}`, () => publisher.stop());
    const playable = server.protocols.filter((p) => kind === 'nginx' || protocols.includes(p));
    await sleep(1000);

    const sentTimeOf = (data: Buffer): number | undefined => {
      const fp = frameFingerprint(data);
      return unique.has(fp) ? sentAt.get(fp) : undefined;
    };
    // With background load, one probe per protocol joins before the load and one after: servers
    // serve viewers in join order (ours) or newest first (nginx-rtmp), so a single probe would sit
    // at the front of one server's fan-out loop and at the back of the other's.
    const early = load > 0 ? await openProbes(server, playable, sentTimeOf) : undefined;
    let swarm: ViewerSwarm | undefined;
    if (load > 0) {
      say(`${kind}: opening ${load} background viewers…`);
      const protocol: PlayProtocol = server.flvUrl ? 'flv' : 'rtmp';
      swarm = (await ViewerSwarm.start(swarmConfig(server, protocol, { count: load, fps: source.fps, concurrency: 25 }))).swarm;
      defer(`stop background viewers on ${kind}`, () => swarm?.stop());
      await sleep(2000);
    }
    const late = await openProbes(server, playable, sentTimeOf);
    say(`${kind}: transit latency over ${playable.join(' and ')} for ${seconds} s…`);
    const probes = [early, late].filter((p): p is Probes => p !== undefined);
    for (const p of probes) p.startCounting();
    await sleep(seconds * 1000);
    for (const p of probes) p.close();
    await swarm?.stop();

    for (const protocol of playable) {
      say(`${kind}: ${joins} joins over ${protocol}…`);
      const ttff = await measureJoins(server, protocol, joins, gopMs, source.fps);
      const byOrder = probes.map((p) => p.samples.get(protocol) ?? []);
      const row: LatencyRow = {
        server: kind,
        protocol,
        transitMs: summarize(byOrder.flat()),
        transitByJoinOrder: load > 0 ? { beforeLoad: summarize(byOrder[0] ?? []), afterLoad: summarize(byOrder[1] ?? []) } : undefined,
        ttffMs: summarize(ttff.times),
        joins: { attempted: joins, timedOut: ttff.timedOut, startedOnKeyframe: ttff.startedOnKeyframe, undecodableFramesBeforeFirstKeyframe: ttff.undecodable },
        backgroundViewers: load,
      };
      result.rows.push(row);
    }
    if (publisher.error) throw new Error(`${server.label}: ${publisher.error.message}`);
    await stopPublisher();
    await stopServer();
  }
  result.finishedAt = new Date().toISOString();
  const report = formatLatencyReport(result);
  result.summary = report.summary;
  process.stdout.write(`${report.text}\n`);
  say(`result written to ${writeResult('latency', result, typeof values['json'] === 'string' ? values['json'] : undefined)}`);
});

interface Probes {
  samples: Map<PlayProtocol, number[]>;
  startCounting(): void;
  close(): void;
}

/**
 * One viewer per protocol: once counting, each video frame's arrival time
 * minus the time the publisher wrote it. Frames written before counting
 * started (the GOP-cache burst at join, the time other viewers joined) are
 * not transit and are left out.
 */
async function openProbes(server: BenchServer, protocols: PlayProtocol[], sentTimeOf: (data: Buffer) => number | undefined): Promise<Probes> {
  const samples = new Map<PlayProtocol, number[]>();
  let countFrom = Infinity;
  const viewers = await Promise.all(
    protocols.map((protocol) => {
      const list: number[] = [];
      samples.set(protocol, list);
      return openViewer(server, protocol, (type, _ts, data) => {
        const now = performance.now();
        if (!isVideoFrame(classifyTag(type, data))) return;
        const sent = sentTimeOf(data);
        if (sent !== undefined && sent >= countFrom) list.push(now - sent);
      });
    }),
  );
  return {
    samples,
    startCounting: () => (countFrom = performance.now()),
    close: () => viewers.forEach((v) => v.close()),
  };
}

/**
 * Joins at a random point of the GOP, one after another: connect → first
 * decodable frame (a keyframe after the AVC configuration). A server with a
 * GOP cache answers in about one round trip; one without waits for the next
 * keyframe (on average half a GOP).
 */
async function measureJoins(
  server: BenchServer,
  protocol: PlayProtocol,
  joins: number,
  gopMs: number,
  fps: number,
): Promise<{ times: number[]; timedOut: number; startedOnKeyframe: number; undecodable: number }> {
  const times: number[] = [];
  let timedOut = 0;
  let startedOnKeyframe = 0;
  let undecodable = 0;
  for (let i = 0; i < joins; i++) {
    await sleep(Math.random() * gopMs);
    const tracker = new FrameTracker(1000 / fps);
    let firstVideo: string | undefined;
    const viewer = await openViewer(server, protocol, (type, ts, data) => {
      const kind = classifyTag(type, data);
      if (firstVideo === undefined && isVideoFrame(kind)) firstVideo = kind;
      tracker.onTag(kind, ts);
    });
    const deadline = performance.now() + JOIN_TIMEOUT_MS;
    while (tracker.firstFrameAt === undefined && performance.now() < deadline) await sleep(2);
    viewer.close();
    const ttff = tracker.timeToFirstFrameMs;
    if (ttff === undefined) timedOut += 1;
    else times.push(ttff);
    if (firstVideo === 'video-key') startedOnKeyframe += 1;
    undecodable += tracker.undecodableAtStart;
  }
  return { times, timedOut, startedOnKeyframe, undecodable };
}
