// SFU fan-out cost, per engine in one run: one synthetic 720p30 VP8
// publisher at 1.5 Mb/s (+ Opus) per SFU, then N WHEP consumers in separate
// load-generator processes; the SFU's CPU over a window, above its
// publisher-only baseline, per consumer-second → consumers per core. Every
// consumer must really receive the stream, or the bench fails.
// Usage: node tools/bench/run.cjs sfu-fanout [consumers...] [--window 15] [--rounds 1] [--engines mediasoup,werift]
import { sleep } from '@mediaplane/testing';
import { listArg, numberArg, parseBenchArgs } from '../common/bench-args';
import { describeMachine } from '../common/bench-context';
import { runBench } from '../common/bench-lifecycle';
import { machineUsage, type Usage } from '../common/proc-stats';
import { say } from '../common/progress';
import { writeResult } from '../common/report-table';
import { SfuBenchPlatform, benchEngines, type BenchSfu } from '../common/sfu-bench-platform';
import { UsageSampler } from '../common/usage-sampler';
import { ConsumerSwarm } from './consumer-swarm-process';
import { SERVED_SHARE, failedPoint, formatFanoutReport, receivedShares, summarizeFanout, type FanoutPoint, type FanoutResult } from './sfu-fanout-report';
import { SyntheticPublisher } from './synthetic-publisher';

const USAGE = `usage: node tools/bench/run.cjs sfu-fanout [consumers...] [options]

  consumers          sizes to measure, each per engine (default 25 50 100)
  --window S         measurement window per point, seconds (default 15)
  --settle S         wait after every consumer has video, before the window (default 3)
  --rounds R         measure every point R times, interleaved, each round with its own publisher-only
                     baseline windows; figures are medians (default 1)
  --bitrate KBPS     the publisher's video rate (default 1500)
  --generators G     load-generator processes the consumers are spread over (default 2)
  --engines LIST     comma-separated, of mediasoup,werift (default both; mediasoup only where a worker exists)
  --json FILE        write the result here (default tmp/bench/sfu-fanout-<time>.json and sfu-fanout-latest.json)
  --no-build         (run.cjs) do not recompile the apps`;

const FPS = 30;
const GOP_FRAMES = 60;
const AUDIO_BYTES = 160;

function sumUsage(usages: Usage[]): Usage {
  return usages.reduce((a, b) => ({ cpuSeconds: a.cpuSeconds + b.cpuSeconds, rssBytes: a.rssBytes + b.rssBytes, pids: [...a.pids, ...b.pids] }), {
    cpuSeconds: 0,
    rssBytes: 0,
    pids: [],
  });
}

async function measurePoint(
  sfu: BenchSfu,
  streamId: string,
  publisher: SyntheticPublisher,
  consumers: number,
  round: number,
  options: { window: number; settle: number; generators: number },
): Promise<FanoutPoint> {
  const processes = Math.min(options.generators, consumers);
  const split = Array.from({ length: processes }, (_, i) => Math.floor(consumers / processes) + (i < consumers % processes ? 1 : 0));
  say(`${sfu.engine}: ${consumers} consumers (${split.join(' + ')} per generator) joining…`);
  const started = await Promise.allSettled(
    split.map((count) => ConsumerSwarm.start({ whepUrl: sfu.whepUrl(streamId), count, concurrency: 10, joinTimeoutMs: 20_000 })),
  );
  const swarms = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value.swarm] : []));
  try {
    const failedStart = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failedStart) throw new Error(`${sfu.engine}: a load generator failed: ${(failedStart.reason as Error).message}`);
    const joinedReports = started.map((s) => (s as PromiseFulfilledResult<Awaited<ReturnType<typeof ConsumerSwarm.start>>>).value.joined);
    const joined = joinedReports.reduce((n, j) => n + j.joined, 0);
    const firstError = joinedReports.find((j) => j.firstError)?.firstError;
    say(
      `${sfu.engine}: ${joined}/${consumers} have video${firstError ? ` (first error: ${firstError})` : ''}; settling ${options.settle}s, measuring ${options.window}s…`,
    );
    await sleep(options.settle * 1000);
    const sampler = new UsageSampler({ sfu: () => sfu.app.usage(), generators: () => sumUsage(swarms.map((s) => s.usage())), machine: machineUsage });
    const sentAtStart = publisher.sent.videoBytes + publisher.sent.audioBytes;
    sampler.start();
    for (const swarm of swarms) swarm.startWindow();
    await sleep(options.window * 1000);
    const windows = await Promise.all(swarms.map((s) => s.endWindow()));
    const usage = sampler.stop();
    const sourceBits = (publisher.sent.videoBytes + publisher.sent.audioBytes - sentAtStart) * 8;
    const shares = windows.flatMap((w) => receivedShares(w.consumers, w.wallSeconds, sourceBits / usage.sfu.wallSeconds));
    return {
      engine: sfu.engine,
      consumers,
      round,
      joined,
      firstError,
      served: shares.filter((s) => s >= SERVED_SHARE).length,
      minShare: Math.min(...shares),
      meanShare: shares.reduce((a, b) => a + b, 0) / shares.length,
      sourceKbps: sourceBits / usage.sfu.wallSeconds / 1000,
      sfu: usage.sfu,
      generatorsCpuPercent: usage.generators.cpuPercent,
      machineBusyPercent: usage.machine.cpuPercent,
    };
  } finally {
    await Promise.all(swarms.map((s) => s.stop()));
  }
}

runBench(async (bench) => {
  const { values, positionals } = parseBenchArgs(USAGE, {
    window: { type: 'string' },
    settle: { type: 'string' },
    bitrate: { type: 'string' },
    generators: { type: 'string' },
    rounds: { type: 'string' },
    engines: { type: 'string' },
    json: { type: 'string' },
  });
  const sizes = (positionals.length ? positionals : ['25', '50', '100']).map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 1 || n > 2000) {
      process.stderr.write(`consumer counts must be integers in 1..2000, got "${p}"\n\n${USAGE}\n`);
      process.exit(2);
    }
    return n;
  });
  const window = numberArg(values, 'window', 15, { min: 2, max: 600 });
  const settle = numberArg(values, 'settle', 3, { min: 0, max: 60 });
  const bitrateKbps = numberArg(values, 'bitrate', 1500, { min: 100, max: 8000 });
  const generators = numberArg(values, 'generators', 2, { min: 1, max: 16, integer: true });
  const rounds = numberArg(values, 'rounds', 1, { min: 1, max: 20, integer: true });
  const { engines, skipped } = benchEngines(listArg(values, 'engines', ['mediasoup', 'werift'] as const, ['mediasoup', 'werift']));
  if (engines.length === 0) throw new Error(`no engine to measure: ${skipped.join('; ')}`);
  const most = Math.max(...sizes);

  say(`starting the control plane and an SFU per engine (${engines.join(', ')})…`);
  const platform = await SfuBenchPlatform.start(engines, {
    rtcPorts: Math.max(100, most + 100),
    // Every consumer comes from 127.0.0.1: lift the per-address limit above the largest point.
    sfuEnv: { SFU_MAX_PEERS_PER_ADDRESS: String(most + 20), SFU_MAX_PEERS: String(Math.max(2000, most + 50)) },
  });
  bench.defer('platform', () => platform.stop());

  const publishers = new Map<string, { publisher: SyntheticPublisher; streamId: string }>();
  for (const sfu of platform.sfus) {
    const stream = await platform.createStream(`sfu-fanout ${sfu.engine}`);
    const publisher = new SyntheticPublisher({ videoBitsPerSecond: bitrateKbps * 1000, fps: FPS, gopFrames: GOP_FRAMES, audioBytesPerPacket: AUDIO_BYTES });
    bench.defer(`publisher ${sfu.engine}`, () => publisher.stop());
    await publisher.publish(sfu.whipUrl(stream.id), stream.streamKey);
    publishers.set(sfu.engine, { publisher, streamId: stream.id });
  }
  say(`publishing ${(publishers.values().next().value?.publisher.payloadBitsPerSecond ?? 0) / 1000} kb/s of RTP payload to each SFU`);
  await sleep(3000);

  const baselines: FanoutResult['baselines'] = [];
  const points: FanoutPoint[] = [];
  for (let round = 1; round <= rounds; round++) {
    if (rounds > 1) say(`round ${round} of ${rounds}`);
    // Every round measures each engine's publisher-only baseline again; the report nets against their median.
    for (const sfu of platform.sfus) {
      say(`${sfu.engine}: publisher-only baseline, ${window}s…`);
      const sampler = new UsageSampler({ sfu: () => sfu.app.usage() });
      sampler.start();
      await sleep(window * 1000);
      const { sfu: usage } = sampler.stop();
      baselines.push({ engine: sfu.engine, round, cpuPercent: usage.cpuPercent, rssMeanBytes: usage.rssMeanBytes });
    }
    // Points interleaved across the engines, so background load that drifts during the run hits both alike.
    // A failed point is recorded and the engine's points as large or larger are skipped from then on: it will not serve more.
    for (const n of sizes) {
      for (const sfu of platform.sfus) {
        const { publisher, streamId } = publishers.get(sfu.engine) as { publisher: SyntheticPublisher; streamId: string };
        const earlier = points.find((p) => p.engine === sfu.engine && p.consumers <= n && p.served < p.consumers);
        if (earlier) {
          points.push(failedPoint(sfu.engine, n, round, `not run: ${earlier.consumers} consumers were already not all served`));
          continue;
        }
        try {
          points.push(await measurePoint(sfu, streamId, publisher, n, round, { window, settle, generators }));
        } catch (error) {
          say(`${sfu.engine}: ${n} consumers failed: ${(error as Error).message}`);
          points.push(failedPoint(sfu.engine, n, round, (error as Error).message));
        }
        await sleep(2000);
      }
    }
  }

  const result: FanoutResult = {
    bench: 'sfu-fanout',
    at: new Date().toISOString(),
    machine: describeMachine(),
    source: { videoKbps: bitrateKbps, audioKbps: (AUDIO_BYTES * 8 * 50) / 1000, fps: FPS, gopFrames: GOP_FRAMES, codec: 'VP8' },
    windowSeconds: window,
    rounds,
    generators,
    skipped,
    baselines,
    points,
    summary: summarizeFanout(baselines, points),
  };
  process.stdout.write(formatFanoutReport(result));
  const file = writeResult('sfu-fanout', result, values['json'] as string | undefined);
  say(`result written to ${file}`);
  const unserved = points.filter((p) => p.served < p.consumers);
  if (unserved.length > 0) {
    throw new Error(
      `consumers asked for did not receive the stream — ${unserved
        .map(
          (p) =>
            `${p.engine} ${p.consumers}${rounds > 1 ? ` (round ${p.round})` : ''}: ${p.served} served, ${p.joined} joined${p.firstError ? ` (${p.firstError})` : ''}${p.failed ? ` (${p.failed})` : ''}`,
        )
        .join('; ')}`,
    );
  }
});
