// Soak: the platform (control plane, ingest, transcode, edge) serving N
// streams to M viewers (HTTP-FLV, RTMP and HLS in turn) for a long time, with
// churn — viewers leave and rejoin, publishers stop and come back — while the
// RSS, open file descriptors and child processes of every service are read
// from /proc (and the live heap and handles over each one's inspector) at a
// fixed interval. At the end the viewers leave and every service must come
// back to its handle and descriptor counts from before they came. The report
// prints the curve, the trends, the drain and a flat / not-flat verdict, and
// what was really served.
// Usage: node tools/bench/run.cjs soak [--streams 10] [--viewers 200] [--minutes 30] [--json FILE]
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import { NodeInspector, cleanupNamespace, freePort, freeUdpPort, platformEnv, sleep, stopProcess, waitFor } from '@mediaplane/testing';
import { numberArg, parseBenchArgs } from '../common/bench-args';
import { startBenchApp, type BenchApp } from '../common/bench-app';
import { runBench } from '../common/bench-lifecycle';
import { ensureBenchSource } from '../common/bench-source';
import { copyPublisher } from '../common/copy-publisher';
import { say } from '../common/progress';
import { processUsage } from '../common/proc-stats';
import { fmt, formatTable, writeResult } from '../common/report-table';
import { FLOOR_WINDOW, drainCheck, serviceVerdict, type ServiceSample, type ServiceVerdict } from './soak-report';
import { SOAK_PROTOCOLS, SoakViewerPool, type ProtocolServed, type SoakProtocol } from './soak-viewers';

const USAGE = `usage: node tools/bench/run.cjs soak [options]

  --streams N          streams published at once (default 10)
  --viewers M          viewers at once, HTTP-FLV / RTMP / HLS in turn, spread over the streams (default 200)
  --minutes T          how long to run (default 30)
  --sample-seconds S   read every service's RSS / descriptors every S seconds (default 30)
  --churn-seconds C    every C seconds a tenth of the viewers leave and rejoin (default 10)
  --publisher-churn-seconds P
                       every P seconds one publisher stops and comes back 3 s later, in turn (default 60)
  --warmup-seconds W   samples before W seconds are left out of the verdict (default: a fifth of the run, at most 300)
  --json FILE          write the result here (default tmp/bench/soak-<time>.json and soak-latest.json)
  --no-build           (run.cjs) do not recompile the apps`;

const SERVICES = ['control-plane', 'ingest', 'transcode', 'edge'] as const;
/** Longer than the edge's and undici's keep-alive (5 s / 4 s): sockets a viewer left idle are closed by then. */
const DRAIN_SETTLE_MS = 10_000;
/** How long the services get to come back to their counts from before the viewers. */
const DRAIN_TIMEOUT_MS = 60_000;
type Service = (typeof SERVICES)[number];

/** A small source, so N publishers and N ladders fit a CI machine: the soak is about time, not load. */
const SOURCE = { width: 320, height: 180, fps: 25, videoKbps: 300, gopSeconds: 2, seconds: 10 };
/** One cheap rung beside the passthrough: HLS viewers get real transcoded segments. */
const LADDER = { rungs: [{ name: 'low', height: 144, videoBitrateKbps: 120, audioBitrateKbps: 32 }], source: true, preset: 'ultrafast' };

interface Publisher {
  streamId: string;
  key: string;
  child?: ChildProcess;
  sessions: number;
}

/** RSS, descriptors and children from /proc; live heap after a full GC and active handles over the inspector. */
async function readService(pid: number, inspector: NodeInspector, atSeconds: number): Promise<ServiceSample> {
  let fds = 0;
  try {
    fds = readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    fds = 0;
  }
  let children = 0;
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).length;
  } catch {
    children = 0;
  }
  const rssBytes = processUsage(pid).rssBytes;
  const liveHeapBytes = await inspector.liveBytesAfterGc();
  const handleKinds = await inspector.activeResources();
  const handles = Object.values(handleKinds).reduce((a, b) => a + b, 0);
  return { atSeconds, rssBytes, liveHeapBytes, handles, handleKinds, fds, children };
}

function notFlatBecause(v: ServiceVerdict): string[] {
  const why: string[] = [];
  if (!v.liveHeap.flat) why.push('heap');
  if (!v.handlesFloor.flat) why.push('handle floor');
  if (!v.fdsFloor.flat) why.push('fd floor');
  if (v.drain && !v.drain.returned) why.push('not drained');
  return why;
}

const kinds = (sample: ServiceSample): string =>
  Object.entries(sample.handleKinds)
    .sort(([, a], [, b]) => b - a)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');

async function main(): Promise<void> {
  const { values } = parseBenchArgs(USAGE, {
    streams: { type: 'string' },
    viewers: { type: 'string' },
    minutes: { type: 'string' },
    'sample-seconds': { type: 'string' },
    'churn-seconds': { type: 'string' },
    'publisher-churn-seconds': { type: 'string' },
    'warmup-seconds': { type: 'string' },
    json: { type: 'string' },
  });
  const streams = numberArg(values, 'streams', 10, { min: 1, max: 100, integer: true });
  const viewers = numberArg(values, 'viewers', 200, { min: 0, max: 3000, integer: true });
  const minutes = numberArg(values, 'minutes', 30, { min: 0.1, max: 24 * 60 });
  const sampleSeconds = numberArg(values, 'sample-seconds', 30, { min: 1, max: 600 });
  const churnSeconds = numberArg(values, 'churn-seconds', 10, { min: 1, max: 3600 });
  const publisherChurnSeconds = numberArg(values, 'publisher-churn-seconds', 60, { min: 2, max: 3600 });
  const warmupSeconds = numberArg(values, 'warmup-seconds', Math.min(300, (minutes * 60) / 5), { min: 0, max: 24 * 3600 });

  const source = await ensureBenchSource(SOURCE);
  const platform = platformEnv({ MEDIAPLANE_LOG_LEVEL: 'warn' });
  const rtmpPort = await freePort();
  const srtPort = await freeUdpPort();
  const env = platform.env;
  const { defer } = context;
  // Registered first, so it runs last: after every app has stopped writing.
  defer('delete the namespace', () => cleanupNamespace(platform.namespace));
  say(`starting control plane, ingest, transcode and edge (namespace ${platform.namespace})…`);
  const apps = new Map<Service, BenchApp>();
  const inspectors = new Map<Service, NodeInspector>();
  const inspectPorts = await Promise.all(SERVICES.map(() => freePort()));
  // Each service with its inspector on loopback: the bench forces a GC and reads the live heap and the active handles.
  const inspect = (i: number): Record<string, string> => ({ NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPorts[i]}` });
  const started = await Promise.all([
    freePort().then((port) => startBenchApp('control-plane', port, { ...env, ...inspect(0) })),
    freePort().then((port) => startBenchApp('ingest', port, { ...env, ...inspect(1), INGEST_RTMP_PORT: String(rtmpPort), INGEST_SRT_PORT: String(srtPort) })),
    freePort().then((port) => startBenchApp('transcode', port, { ...env, ...inspect(2), TRANSCODE_MAX_JOBS: String(streams) })),
    freePort().then((port) => startBenchApp('edge', port, { ...env, ...inspect(3) })),
  ]);
  SERVICES.forEach((s, i) => apps.set(s, started[i] as BenchApp));
  const app = (s: Service): BenchApp => apps.get(s) as BenchApp;
  for (const s of SERVICES) defer(`stop ${s}`, async () => void (await app(s).stop()));
  for (const [i, s] of SERVICES.entries()) {
    const inspector = await NodeInspector.connect(inspectPorts[i] as number);
    inspectors.set(s, inspector);
    defer(`close the ${s} inspector`, () => inspector.close());
  }

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${app('control-plane').httpUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${platform.adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  // Publishers: the pre-encoded source looped with -c copy (no encoder CPU), one FFmpeg per stream.
  const publishers: Publisher[] = [];
  for (let i = 0; i < streams; i++) {
    const created = await api<{ id: string; streamKey: string }>('POST', '/streams', { name: `soak ${i}`, ladder: LADDER });
    publishers.push({ streamId: created.id, key: created.streamKey, sessions: 0 });
  }
  const publish = (p: Publisher): void => {
    p.sessions++;
    p.child = copyPublisher(source, 'flv', `rtmp://127.0.0.1:${rtmpPort}/live/${p.key}`, { quiet: true });
  };
  defer('stop publishers', async () => {
    await Promise.all(publishers.map((p) => (p.child ? stopProcess(p.child, 3000, 'SIGINT') : undefined)));
  });
  publishers.forEach(publish);
  const everyStreamOnHls = async (): Promise<void> => {
    await waitFor(
      async () => {
        for (const p of publishers) {
          const master = await fetch(`${app('edge').httpUrl}/hls/${p.streamId}/master.m3u8`);
          await master.body?.cancel();
          if (master.status !== 200) return false;
        }
        return true;
      },
      { timeoutMs: 120_000, intervalMs: 1000, what: 'every stream on HLS' },
    );
  };
  const readAll = async (atSeconds: number): Promise<Record<Service, ServiceSample>> => {
    const read = {} as Record<Service, ServiceSample>;
    for (const s of SERVICES) read[s] = await readService(app(s).child.pid as number, inspectors.get(s) as NodeInspector, atSeconds);
    return read;
  };
  say(`${streams} publishers started; waiting for every stream to be live and on HLS…`);
  await everyStreamOnHls();
  // The drain check's reference: every stream live, no viewer yet (after the bench's own readiness requests have closed).
  await sleep(DRAIN_SETTLE_MS);
  const beforeViewers = await readAll(0);

  const pool = new SoakViewerPool(
    viewers,
    publishers.map((p) => p.streamId),
    { ingestHttpUrl: app('ingest').httpUrl, rtmpPort, edgeHttpUrl: app('edge').httpUrl },
  );
  defer('stop viewers', () => pool.stop());
  pool.start();
  say(`${viewers} viewers joining (${SOAK_PROTOCOLS.join('/')} in turn); running ${minutes} min, a sample every ${sampleSeconds} s`);

  const samples: Record<Service, ServiceSample[]> = { 'control-plane': [], ingest: [], transcode: [], edge: [] };
  const connectedOverTime: Array<{ atSeconds: number; connected: number }> = [];
  const startedAt = performance.now();
  const elapsed = (): number => (performance.now() - startedAt) / 1000;
  const endAt = startedAt + minutes * 60_000;
  let churned = 0;
  let publisherChurns = 0;
  let nextSample = 0;
  let nextChurn = churnSeconds;
  let nextPublisherChurn = publisherChurnSeconds;
  let turn = 0;
  const restarts = new Set<Promise<void>>();
  const header = SERVICES.map((s) => `${s} rss/heap/handles/fds/children`).join(' | ');
  say(`   t(s)  viewers | ${header}`);
  while (performance.now() < endAt && !context.interrupted) {
    const t = elapsed();
    if (t >= nextSample) {
      nextSample += sampleSeconds;
      const connected = pool.connected();
      connectedOverTime.push({ atSeconds: Math.round(t), connected });
      const cells: string[] = [];
      for (const s of SERVICES) {
        const sample = await readService(app(s).child.pid as number, inspectors.get(s) as NodeInspector, t);
        samples[s].push(sample);
        cells.push(
          `${fmt(sample.rssBytes / 1024 / 1024, 0)}/${fmt(sample.liveHeapBytes / 1024 / 1024, 0)}MB/${sample.handles}/${sample.fds}/${sample.children}`,
        );
      }
      const line = cells.join(' | ');
      process.stdout.write(`${fmt(t, 0).padStart(7)}  ${String(connected).padStart(7)} | ${line}\n`);
    }
    if (t >= nextChurn) {
      nextChurn += churnSeconds;
      churned += pool.churn(0.1);
    }
    if (t >= nextPublisherChurn && publishers.length > 0) {
      nextPublisherChurn += publisherChurnSeconds;
      const p = publishers[turn++ % publishers.length] as Publisher;
      publisherChurns++;
      const child = p.child;
      // Always comes back, even after the run's end: the drain check compares with every stream live.
      const restart = (async () => {
        if (child) await stopProcess(child, 3000, 'SIGINT');
        await sleep(3000);
        if (!context.interrupted) publish(p);
      })();
      restarts.add(restart);
      void restart.finally(() => restarts.delete(restart));
    }
    await sleep(250);
  }
  const ranSeconds = elapsed();
  pool.settleBytes();
  pool.stop();

  // Drain: the viewers are gone, every publisher is back; each service must return to its counts from before the viewers.
  await Promise.all(restarts);
  await everyStreamOnHls();
  await sleep(DRAIN_SETTLE_MS);
  const drainStartedAt = performance.now();
  let afterViewers = await readAll(elapsed());
  while (
    performance.now() - drainStartedAt < DRAIN_TIMEOUT_MS &&
    !context.interrupted &&
    !SERVICES.every((s) => drainCheck(beforeViewers[s], afterViewers[s]).returned)
  ) {
    await sleep(2000);
    afterViewers = await readAll(elapsed());
  }
  const drainSeconds = (performance.now() - drainStartedAt) / 1000 + DRAIN_SETTLE_MS / 1000;

  const verdicts: ServiceVerdict[] = SERVICES.map((s) => serviceVerdict(s, samples[s], warmupSeconds, { before: beforeViewers[s], after: afterViewers[s] }));
  const served = pool.served;
  const totalSessions = SOAK_PROTOCOLS.reduce((a, p) => a + served[p].sessions, 0);
  const result = {
    machine: { cpus: cpus().length, loadavg: loadavg() },
    config: { streams, viewers, minutes, sampleSeconds, churnSeconds, publisherChurnSeconds, warmupSeconds, source: SOURCE, ladder: LADDER },
    ranSeconds,
    served: {
      streams: publishers.length,
      publisherSessions: publishers.reduce((a, p) => a + p.sessions, 0),
      publisherChurns,
      viewerSessions: totalSessions,
      viewerChurns: churned,
      peakConnected: pool.peakConnected,
      byProtocol: served as Record<SoakProtocol, ProtocolServed>,
      connectedOverTime,
    },
    samples,
    beforeViewers,
    afterViewers,
    drainSeconds,
    verdicts,
    flat: verdicts.every((v) => v.flat),
  };
  const file = writeResult('soak', result, values['json'] as string | undefined);

  const mb = (b: number): string => fmt(b / 1024 / 1024, 1);
  process.stdout.write(
    `\nSOAK — ${streams} streams, ${viewers} viewers (${SOAK_PROTOCOLS.join('/')}), ${fmt(ranSeconds / 60, 1)} min, churn: ${churned} viewer rejoins, ${publisherChurns} publisher restarts\n`,
  );
  process.stdout.write(
    `served: ${publishers.length} streams in ${result.served.publisherSessions} publisher sessions; ${totalSessions} viewer sessions that received media (peak ${pool.peakConnected} at once)\n`,
  );
  process.stdout.write(
    `${formatTable(
      ['protocol', 'sessions', 'failed opens', 'ended by server', 'MB received', 'HLS segments'],
      SOAK_PROTOCOLS.map((p) => [
        p,
        String(served[p].sessions),
        String(served[p].failedOpens),
        String(served[p].endedByServer),
        mb(served[p].bytes),
        p === 'hls' ? String(served[p].segments) : '-',
      ]),
    )}\n\n`,
  );
  process.stdout.write(
    `${formatTable(
      [
        'service',
        'RSS first→last MB',
        'RSS MB/min',
        'live heap first→last MB',
        'heap MB/min',
        'handles min–max',
        'handle floor/min',
        'fds min–max',
        'fd floor/min',
        'drained handles, fds',
        'verdict',
      ],
      verdicts.map((v) => [
        v.service,
        `${mb(v.rss.first)}→${mb(v.rss.last)}`,
        fmt(v.rss.perMinute / 1024 / 1024, 2),
        `${mb(v.liveHeap.first)}→${mb(v.liveHeap.last)}`,
        fmt(v.liveHeap.perMinute / 1024 / 1024, 2),
        `${v.handles.min}–${v.handles.max}`,
        fmt(v.handlesFloor.perMinute, 2),
        `${v.fds.min}–${v.fds.max}`,
        fmt(v.fdsFloor.perMinute, 2),
        v.drain ? `${v.drain.handlesBefore}→${v.drain.handlesAfter}, ${v.drain.fdsBefore}→${v.drain.fdsAfter}` : '-',
        v.flat ? `flat${v.rss.flat ? '' : ' (RSS rose)'}` : `NOT FLAT (${notFlatBecause(v).join(', ')})`,
      ]),
    )}\n`,
  );
  process.stdout.write(
    `\nhandles by kind — at each service's busiest sample, and drained (${fmt(drainSeconds, 0)} s after the viewers left):\n${SERVICES.map((s) => {
      const busiest = samples[s].reduce((a, b) => (b.handles > a.handles ? b : a), samples[s][0] ?? afterViewers[s]);
      return `  ${s}: busiest (t=${fmt(busiest.atSeconds, 0)} s) ${kinds(busiest)}\n  ${' '.repeat(s.length)}  drained ${kinds(afterViewers[s])}`;
    }).join('\n')}\n`,
  );
  process.stdout.write(
    `verdict: ${result.flat ? 'FLAT' : 'NOT FLAT'} (samples after ${fmt(warmupSeconds, 0)} s; floors over windows of ${FLOOR_WINDOW} samples; result in ${file})\n`,
  );
}

let context: Parameters<Parameters<typeof runBench>[0]>[0];
runBench(async (ctx) => {
  context = ctx;
  await main();
});
