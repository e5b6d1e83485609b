// SFU glass-to-glass latency and join time, per engine in one run: a Chromium
// page draws the wall clock as a barcode into a 1280x720 canvas at 30 fps and
// publishes it over WHIP; a second page plays it over WHEP and reads the
// barcode of every frame it presents (requestVideoFrameCallback):
// latency = clock at presentation − clock drawn into the frame (one machine,
// one clock). Then N viewers join one after another: POST → first frame.
// Usage: node tools/bench/run.cjs sfu-latency [--seconds 20] [--joins 20] [--engines mediasoup,werift]
import { barcodeLatencyMs, launchChromium, sleep } from '@mediaplane/testing';
import { listArg, numberArg, parseBenchArgs } from '../common/bench-args';
import { describeMachine } from '../common/bench-context';
import { runBench } from '../common/bench-lifecycle';
import { say } from '../common/progress';
import { fmt, formatTable, writeResult } from '../common/report-table';
import { SfuBenchPlatform, benchEngines, type BenchSfu, type SfuEngineName } from '../common/sfu-bench-platform';
import { summarize, type Summary } from '../common/stats';
import { ClockPlayerPage, jitterBuffersBetween, perUnitMs, publishClock, type PlayerCounters, type PublisherCounters } from './clock-pages';

const USAGE = `usage: node tools/bench/run.cjs sfu-latency [options]

  --seconds S        latency is sampled on every presented frame for S seconds per engine (default 20)
  --warmup S         playback runs S seconds before sampling (default 5: the publisher's bitrate ramps up)
  --joins N          viewers joining one after another, POST → first frame, per engine (default 20)
  --codec C          VP8 or H264, put first in the publisher's offer (default VP8)
  --engines LIST     comma-separated, of mediasoup,werift (default both; mediasoup only where a worker exists)
  --json FILE        write the result here (default tmp/bench/sfu-latency-<time>.json and sfu-latency-latest.json)
  --no-build         (run.cjs) do not recompile the apps`;

const TARGET_P95_MS = 100;
const JOIN_TIMEOUT_MS = 10_000;

/**
 * Where the glass-to-glass time goes, from both browsers' getStats over the
 * sampling window: per-packet pacer queue and per-frame encode time on the
 * publisher, jitter-buffer delay (with its target and minimum) and decode
 * time on the player, plus what the publisher's bandwidth estimator allowed.
 */
interface Stages {
  encodeMs: number;
  pacerMs: number;
  jitterBufferMs: number;
  jitterTargetMs: number;
  jitterMinimumMs: number;
  decodeMs: number;
  audioJitterBufferMs: number;
  targetKbps: number;
  availableKbps: number;
  limitation: string;
  framesDropped: number;
  nacks: number;
}

function stagesBetween(pub: [PublisherCounters, PublisherCounters], play: [PlayerCounters, PlayerCounters]): Stages {
  const [p0, p1] = pub;
  const [v0, v1] = play;
  const emitted = v1.jitterBufferEmittedCount - v0.jitterBufferEmittedCount;
  const jitterBuffers = jitterBuffersBetween(v0, v1);
  return {
    encodeMs: perUnitMs(p1.totalEncodeTime - p0.totalEncodeTime, p1.framesEncoded - p0.framesEncoded),
    pacerMs: perUnitMs(p1.totalPacketSendDelay - p0.totalPacketSendDelay, p1.packetsSent - p0.packetsSent),
    jitterBufferMs: jitterBuffers.videoMs,
    jitterTargetMs: perUnitMs(v1.jitterBufferTargetDelay - v0.jitterBufferTargetDelay, emitted),
    jitterMinimumMs: perUnitMs(v1.jitterBufferMinimumDelay - v0.jitterBufferMinimumDelay, emitted),
    decodeMs: perUnitMs(v1.totalDecodeTime - v0.totalDecodeTime, v1.framesDecoded - v0.framesDecoded),
    audioJitterBufferMs: jitterBuffers.audioMs,
    targetKbps: p1.targetBitrate / 1000,
    availableKbps: p1.availableOutgoingBitrate / 1000,
    limitation: p1.qualityLimitationReason,
    framesDropped: v1.framesDropped - v0.framesDropped,
    nacks: v1.nackCount - v0.nackCount,
  };
}

interface EngineRow {
  engine: SfuEngineName;
  latencyMs: Summary;
  framesRead: number;
  unreadable: number;
  playedFps: number;
  heights: number[];
  stages: Stages;
  joins: { attempted: number; failed: number; firstError?: string; firstFrameMs: Summary; answerMs: Summary };
}

async function measureEngine(
  browser: Awaited<ReturnType<typeof launchChromium>>,
  platform: SfuBenchPlatform,
  sfu: BenchSfu,
  options: { seconds: number; warmup: number; joins: number; codec: string },
): Promise<EngineRow> {
  const origin = `${sfu.app.httpUrl}/readyz`;
  const stream = await platform.createStream(`sfu-latency ${sfu.engine}`);
  const context = await browser.newContext();
  try {
    const published = await publishClock(await context.newPage(), origin, sfu.whipUrl(stream.id), stream.streamKey, `video/${options.codec}`);
    if (published.status !== 201) throw new Error(`${sfu.engine}: WHIP publish answered ${published.status} ${published.body ?? ''}`);
    const player = await ClockPlayerPage.open(await context.newPage(), origin);
    const first = await player.join(sfu.whepUrl(stream.id), 20_000);
    if (first.id === undefined || first.firstFrameMs === undefined) {
      throw new Error(`${sfu.engine}: the WHEP player got no frame (status ${first.status} ${first.body ?? ''}); SFU log: ${sfu.app.logFile}`);
    }
    say(`${sfu.engine}: playing (first frame after ${Math.round(first.firstFrameMs)} ms); warming up ${options.warmup}s, sampling ${options.seconds}s…`);
    await sleep(options.warmup * 1000);
    const before = [await published.counters(), await player.stats(first.id)] as const;
    const reads = await player.sample(first.id, options.seconds * 1000);
    const stages = stagesBetween([before[0], await published.counters()], [before[1], await player.stats(first.id)]);
    await player.leave(first.id);
    const latencies: number[] = [];
    for (const read of reads) {
      const latency = barcodeLatencyMs(read.value, read.at, 1);
      if (latency !== undefined) latencies.push(latency);
    }

    say(`${sfu.engine}: ${options.joins} joins, one after another…`);
    const firstFrame: number[] = [];
    const answer: number[] = [];
    let failed = 0;
    let firstError: string | undefined;
    for (let i = 0; i < options.joins; i++) {
      const join = await player.join(sfu.whepUrl(stream.id), JOIN_TIMEOUT_MS);
      if (join.answerMs !== undefined) answer.push(join.answerMs);
      if (join.firstFrameMs !== undefined) firstFrame.push(join.firstFrameMs);
      else {
        failed++;
        firstError ??= join.status === 201 ? `no frame within ${JOIN_TIMEOUT_MS} ms` : `status ${join.status} ${join.body ?? ''}`;
      }
      if (join.id !== undefined) await player.leave(join.id);
      await sleep(250);
    }
    return {
      engine: sfu.engine,
      latencyMs: summarize(latencies),
      framesRead: reads.length,
      unreadable: reads.length - latencies.length,
      playedFps: reads.length / options.seconds,
      heights: [...new Set(reads.map((r) => r.height))].sort((a, b) => a - b),
      stages,
      joins: { attempted: options.joins, failed, firstError, firstFrameMs: summarize(firstFrame), answerMs: summarize(answer) },
    };
  } finally {
    await context.close().catch(() => undefined);
  }
}

function report(rows: EngineRow[], skipped: string[], codec: string): string {
  const machine = describeMachine();
  return [
    `SFU GLASS-TO-GLASS LATENCY AND JOIN TIME — Chromium canvas (1280x720, 30 fps, ${codec}) → WHIP → SFU → WHEP → Chromium, loopback`,
    `machine: ${machine.cpus} × ${machine.cpuModel}, load ${machine.loadavgAtStart.map((l) => l.toFixed(2)).join(' ')}`,
    ...skipped.map((s) => `not measured: ${s}`),
    '',
    formatTable(
      ['engine', 'frames read', 'unreadable', 'played fps', 'heights', 'p50 ms', 'p95 ms', 'max ms', `p95 ≤ ${TARGET_P95_MS} ms`],
      rows.map((r) => [
        r.engine,
        String(r.framesRead),
        String(r.unreadable),
        fmt(r.playedFps, 1),
        r.heights.join(','),
        fmt(r.latencyMs.p50, 0),
        fmt(r.latencyMs.p95, 0),
        fmt(r.latencyMs.max, 0),
        r.latencyMs.p95 <= TARGET_P95_MS ? 'yes' : 'NO',
      ]),
    ),
    '',
    "WHERE THE TIME GOES — both browsers' getStats over the sampling window (ms per frame, pacer per packet; kb/s at its end)",
    formatTable(
      ['engine', 'encode', 'pacer', 'jitter buf', 'jb target', 'jb min', 'decode', 'audio jb', 'target kb/s', 'BWE kb/s', 'limited by', 'dropped', 'NACKs'],
      rows.map(({ engine, stages: s }) => [
        engine,
        fmt(s.encodeMs, 1),
        fmt(s.pacerMs, 1),
        fmt(s.jitterBufferMs, 0),
        fmt(s.jitterTargetMs, 0),
        fmt(s.jitterMinimumMs, 0),
        fmt(s.decodeMs, 1),
        fmt(s.audioJitterBufferMs, 0),
        fmt(s.targetKbps, 0),
        fmt(s.availableKbps, 0),
        s.limitation || '-',
        String(s.framesDropped),
        String(s.nacks),
      ]),
    ),
    '',
    'JOIN TIME — WHEP POST → first frame presented (requestVideoFrameCallback), one join after another',
    formatTable(
      ['engine', 'joins', 'failed', 'answer p50 ms', 'first frame p50 ms', 'p95 ms', 'max ms'],
      rows.map((r) => [
        r.engine,
        String(r.joins.attempted),
        String(r.joins.failed),
        fmt(r.joins.answerMs.p50, 0),
        fmt(r.joins.firstFrameMs.p50, 0),
        fmt(r.joins.firstFrameMs.p95, 0),
        fmt(r.joins.firstFrameMs.max, 0),
      ]),
    ),
    '',
    'Latency includes the browser encoding and decoding, jitter buffer and presentation (canvas draw → frame presented); clock resolution 1 ms.',
    '',
  ].join('\n');
}

runBench(async (bench) => {
  const { values } = parseBenchArgs(USAGE, {
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    joins: { type: 'string' },
    codec: { type: 'string' },
    engines: { type: 'string' },
    json: { type: 'string' },
  });
  const seconds = numberArg(values, 'seconds', 20, { min: 2, max: 600 });
  const warmup = numberArg(values, 'warmup', 5, { min: 0, max: 120 });
  const joins = numberArg(values, 'joins', 20, { min: 0, max: 1000, integer: true });
  const [codec] = listArg(values, 'codec', ['VP8', 'H264'] as const, ['VP8']) as [string];
  const { engines, skipped } = benchEngines(listArg(values, 'engines', ['mediasoup', 'werift'] as const, ['mediasoup', 'werift']));
  if (engines.length === 0) throw new Error(`no engine to measure: ${skipped.join('; ')}`);

  say(`starting the control plane and an SFU per engine (${engines.join(', ')})…`);
  const platform = await SfuBenchPlatform.start(engines, { rtcPorts: 100 });
  bench.defer('platform', () => platform.stop());
  const browser = await launchChromium({ webrtc: true });
  bench.defer('chromium', () => browser.close());

  const rows: EngineRow[] = [];
  for (const sfu of platform.sfus) rows.push(await measureEngine(browser, platform, sfu, { seconds, warmup, joins, codec }));

  process.stdout.write(report(rows, skipped, codec));
  const file = writeResult(
    'sfu-latency',
    { bench: 'sfu-latency', at: new Date().toISOString(), machine: describeMachine(), codec, seconds, warmup, skipped, rows },
    values['json'] as string | undefined,
  );
  say(`result written to ${file}`);
  const unread = rows.filter((r) => r.latencyMs.count === 0).map((r) => r.engine);
  if (unread.length > 0) throw new Error(`no frame's barcode could be read on ${unread.join(', ')}`);
  const failedJoins = rows.filter((r) => r.joins.failed > 0).map((r) => `${r.engine}: ${r.joins.failed} (${r.joins.firstError})`);
  if (failedJoins.length > 0) throw new Error(`joins without a frame — ${failedJoins.join('; ')}`);
});
