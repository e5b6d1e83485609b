// HLS takeover: how long HLS viewers wait for the next segment when the
// transcode worker producing a live stream dies (SIGKILL) or hangs (SIGSTOP).
// The whole platform runs (control plane, real ingest with its GOP cache,
// edge, two or more workers with one job each); FFmpeg publishes the bench
// source over RTMP. Each round signals the worker named in the stream's HLS
// origin entry, then watches: when the job lease and the origin entry name
// another worker (Redis), and when the edge's media playlist first lists a
// segment the old worker never made. A killed worker is replaced, a hung one
// is woken (it must give the stream up) before the next round.
// Usage: node tools/bench/run.cjs takeover [--rounds N] [--settle-seconds S] [--json FILE]
import { cpus, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { HlsOriginSchema } from '@mediaplane/contracts';
import { transcodeKeys } from '@mediaplane/sessions';
import { cleanupNamespace, freePort, parseMaster, parseMedia, platformEnv, sleep, stopProcess, waitFor, type MediaSegment } from '@mediaplane/testing';
import { numberArg, parseBenchArgs } from '../common/bench-args';
import { startBenchApp, type BenchApp } from '../common/bench-app';
import { runBench } from '../common/bench-lifecycle';
import { DEFAULT_SOURCE, ensureBenchSource } from '../common/bench-source';
import { copyPublisher } from '../common/copy-publisher';
import { say } from '../common/progress';
import { fmt, formatTable, writeResult } from '../common/report-table';
import { summarize } from '../common/stats';
import { watchTakeover, type TakeoverRound } from './takeover-watch';

const USAGE = `usage: node tools/bench/run.cjs takeover [options]

  --rounds N           rounds per signal, SIGKILL and SIGSTOP in turn (default 5)
  --settle-seconds S   steady playback before each round (default 8)
  --json FILE          write the result here (default tmp/bench/takeover-<time>.json and takeover-latest.json)
  --no-build           (run.cjs) do not recompile the apps`;

/** The bound: HLS resumes within this long of a SIGKILL or SIGSTOP. */
const TARGET_MS = 5000;

interface Worker {
  app: BenchApp;
  instanceId: string;
}

async function main({ defer }: Parameters<Parameters<typeof runBench>[0]>[0]): Promise<void> {
  const { values } = parseBenchArgs(USAGE, {
    rounds: { type: 'string' },
    'settle-seconds': { type: 'string' },
    json: { type: 'string' },
  });
  const rounds = numberArg(values, 'rounds', 5, { min: 1, max: 100, integer: true });
  const settleSeconds = numberArg(values, 'settle-seconds', 8, { min: 4, max: 120 });

  const source = await ensureBenchSource(DEFAULT_SOURCE);
  const platform = platformEnv({ MEDIAPLANE_LOG_LEVEL: 'warn' });
  const env = platform.env;
  defer('delete the namespace', () => cleanupNamespace(platform.namespace));
  const redis = new Redis({ lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  defer('close Redis', async () => void (await redis.quit()));
  const keys = transcodeKeys(platform.namespace);

  say(`starting control plane, ingest, edge and two transcode workers (namespace ${platform.namespace})…`);
  const rtmpPort = await freePort();
  const [controlPlane, ingest, edge] = await Promise.all([
    freePort().then((port) => startBenchApp('control-plane', port, env)),
    freePort().then((port) => startBenchApp('ingest', port, { ...env, INGEST_RTMP_PORT: String(rtmpPort) })),
    freePort().then((port) => startBenchApp('edge', port, env)),
  ]);
  for (const [name, app] of [
    ['control plane', controlPlane],
    ['ingest', ingest],
    ['edge', edge],
  ] as const)
    defer(`stop ${name}`, async () => void (await app.stop()));
  const workers: Worker[] = [];
  const startWorker = async (): Promise<Worker> => {
    const app = await startBenchApp('transcode', await freePort(), { ...env, TRANSCODE_MAX_JOBS: '1' });
    const health = (await (await fetch(`${app.httpUrl}/healthz`)).json()) as { instanceId: string };
    const worker = { app, instanceId: health.instanceId };
    workers.push(worker);
    defer(`stop worker ${health.instanceId}`, async () => void (await app.stop()));
    return worker;
  };
  await Promise.all([startWorker(), startWorker()]);

  const created = (await (
    await fetch(`${controlPlane.httpUrl}/api/v1/streams`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'takeover bench' }),
    })
  ).json()) as { id: string; streamKey: string };
  const streamId = created.id;
  const publisher = copyPublisher(source, 'flv', `rtmp://127.0.0.1:${rtmpPort}/live/${created.streamKey}`);
  defer('stop the publisher', async () => void (await stopProcess(publisher, 3000, 'SIGINT')));

  const masterUrl = `${edge.httpUrl}/hls/${streamId}/master.m3u8`;
  say(`publishing ${DEFAULT_SOURCE.width}x${DEFAULT_SOURCE.height}p${DEFAULT_SOURCE.fps}; waiting for ${masterUrl}…`);
  await waitFor(async () => (await fetch(masterUrl)).status === 200, { timeoutMs: 90_000, intervalMs: 250, what: 'master.m3u8 on the edge' });
  const master = parseMaster(await (await fetch(masterUrl)).text());
  // The smallest rendition: the first one a takeover brings back, and the one a struggling player falls to.
  const lowest = [...master.variants].sort((a, b) => a.bandwidth - b.bandwidth)[0];
  if (!lowest) throw new Error('the master playlist lists no rendition');
  const mediaUrl = new URL(lowest.uri, masterUrl).toString();
  const renditions = master.variants.map((v) => `${v.width}x${v.height}`).join(', ');
  const newestSegment = async (): Promise<MediaSegment> => {
    const newest = parseMedia(await (await fetch(mediaUrl)).text()).segments.at(-1);
    if (!newest) throw new Error(`${mediaUrl} lists no segment`);
    return newest;
  };
  const holder = async (): Promise<Worker> => {
    const raw = await redis.get(keys.hlsOrigin(streamId));
    const origin = raw ? HlsOriginSchema.parse(JSON.parse(raw)) : undefined;
    const worker = workers.find((w) => w.instanceId === origin?.worker);
    if (!worker) throw new Error(`the origin entry names ${origin?.worker ?? 'nobody'}, not a running worker`);
    return worker;
  };

  const results: TakeoverRound[] = [];
  for (let round = 0; round < rounds * 2; round++) {
    const signal = round % 2 === 0 ? 'SIGKILL' : 'SIGSTOP';
    say(`round ${round + 1}/${rounds * 2} (${signal}): ${settleSeconds} s of steady playback first…`);
    await sleep(settleSeconds * 1000);
    const victim = await holder();
    const before = await newestSegment();
    const pid = victim.app.child.pid as number;
    const signalledAt = Date.now();
    process.kill(pid, signal);
    const result = await watchTakeover({ redis, keys, streamId, mediaUrl, victim: victim.instanceId, before, signal, signalledAt, timeoutMs: 60_000 });
    results.push(result);
    say(
      `  lease moved after ${result.leaseMs ?? '—'} ms, origin entry after ${result.originMs ?? '—'} ms, new segment on the edge after ${result.resumeMs ?? '—'} ms; edge answers: ${JSON.stringify(result.statuses)}`,
    );
    workers.splice(workers.indexOf(victim), 1);
    if (signal === 'SIGKILL') {
      await waitFor(() => victim.app.child.exitCode !== null || victim.app.child.signalCode !== null, {
        timeoutMs: 10_000,
        what: 'the killed worker to be gone',
      });
      await startWorker();
    } else {
      // Woken, the hung worker must notice it lost the stream and stop producing; it stays as the spare.
      process.kill(pid, 'SIGCONT');
      workers.push(victim);
    }
  }

  const served = results.filter((r) => r.resumeMs !== undefined).length;
  const rows = (['SIGKILL', 'SIGSTOP'] as const).map((signal) => {
    const of = results.filter((r) => r.signal === signal);
    const resumed = of.flatMap((r) => (r.resumeMs === undefined ? [] : [r.resumeMs]));
    const lease = summarize(of.flatMap((r) => (r.leaseMs === undefined ? [] : [r.leaseMs])));
    const resume = summarize(resumed);
    return [
      signal,
      `${resumed.length}/${of.length}`,
      fmt(lease.p50 / 1000, 2),
      fmt(resume.min / 1000, 2),
      fmt(resume.p50 / 1000, 2),
      fmt(resume.max / 1000, 2),
      `${resumed.filter((ms) => ms <= TARGET_MS).length}/${of.length}`,
      String(of.reduce((n, r) => n + r.statuses.filter((s) => s.status === 404).reduce((m, s) => m + s.count, 0), 0)),
    ];
  });
  process.stdout.write(
    [
      `HLS TAKEOVER — a live stream's transcode worker killed (SIGKILL) or hung (SIGSTOP); time until the edge lists a new segment`,
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
      `source: ${DEFAULT_SOURCE.width}x${DEFAULT_SOURCE.height}p${DEFAULT_SOURCE.fps}, ${DEFAULT_SOURCE.gopSeconds} s GOP over RTMP; renditions ${renditions}; watched: ${lowest.uri}`,
      '',
      formatTable(['signal', 'resumed', 'lease moved p50 s', 'resume min s', 'p50 s', 'max s', `≤ ${TARGET_MS / 1000} s`, '404s'], rows),
      '',
      `rounds served: ${served}/${results.length} (the edge listed a new segment after every one of them: ${served === results.length ? 'yes' : 'no'})`,
      '',
    ].join('\n'),
  );
  const file = writeResult('takeover', { bench: 'takeover', at: new Date().toISOString(), rounds: results, renditions }, values['json'] as string | undefined);
  say(`result written to ${file}`);
}

runBench((context) => main(context));
