// SRT benchmark: what SRT ingest adds to glass-to-glass latency over HTTP-FLV
// (at a configured SRT latency, 120 ms by default) beside RTMP ingest, and
// ingest CPU per SRT publisher at 6 Mb/s beside the RTMP figure, in one run.
// See tools/bench/README.md.
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { execFileAsync, freeUdpPort, sleep, stopProcess } from '@mediaplane/testing';
import { formatSrtStreamId } from '@mediaplane/sessions';
import { runBench } from '../common/bench-lifecycle';
import { envArg, numberArg, parseBenchArgs } from '../common/bench-args';
import { describeMachine } from '../common/bench-context';
import { DEFAULT_SOURCE, ensureBenchSource, type SourceSpec } from '../common/bench-source';
import { buildIdentity } from '../common/build-identity';
import { copyPublisher } from '../common/copy-publisher';
import { ClockFlvReader } from '../common/clock-flv-reader';
import { ClockRtmpPublisher } from '../common/clock-rtmp-publisher';
import { loadFlvSource } from '../common/flv-source';
import { startIngest, type BenchStream, type IngestUnderTest } from '../common/ingest-server';
import { machineUsage } from '../common/proc-stats';
import { say } from '../common/progress';
import { fmt, formatTable, writeResult } from '../common/report-table';
import { summarize, type Summary } from '../common/stats';

const USAGE = `usage: node tools/bench/run.cjs srt [options]

  --seconds S        glass-to-glass window per ingest protocol, seconds (default 20)
  --latency MS       SRT latency configured on ingest and the publisher (default 120)
  --publishers N     concurrent publishers per protocol in the CPU part (default 4; 0 skips it)
  --window S         CPU measurement window, seconds (default 20)
  --bitrate KBPS     video bitrate of the CPU part's source (default 5800: ~6 Mb/s with 128k AAC)
  --ingest-env K=V   extra setting for our ingest, repeatable
  --report FILE      print the tables of a saved result again (no measurement)
  --json FILE        write the result here (default tmp/bench/srt-<time>.json and srt-latest.json)
  --no-build         (run.cjs) do not recompile the apps`;

const FPS = 30;

export interface SrtLatencyRow {
  /**
   * `rtmp`, `srt`: through our ingest, read as HTTP-FLV. `srt-direct`: no
   * server, the publisher's SRT straight into the reading FFmpeg (an SRT
   * listener decoding MPEG-TS), the reference for what SRT and MPEG-TS cost
   * on their own.
   */
  protocol: 'rtmp' | 'srt' | 'srt-direct';
  frames: number;
  unreadable: number;
  latencyMs: Summary;
  /** Most pictures waiting at the clock publisher's encoder during the counted window (ClockRtmpPublisher.maxQueuedFrames): a backlog there is in every read. Absent in older result files. */
  encoderQueueMaxFrames?: number;
}

export interface SrtCpuRow {
  protocol: 'rtmp' | 'srt';
  publishers: number;
  /** Publishers whose stream the ingest measured at ≥ 80 % of the source rate during the window. */
  served: number;
  windowSeconds: number;
  /** Ingest CPU-seconds per second over the window, minus the idle baseline. */
  netCores: number;
  coresPerPublisher: number;
  /** What the ingest measured per stream (kb/s), from the live state. */
  bitratesKbps: number[];
  machineBusyPercent: number;
}

export interface SrtBenchResult {
  bench: 'srt';
  startedAt: string;
  finishedAt?: string;
  machine: ReturnType<typeof describeMachine>;
  build: ReturnType<typeof buildIdentity>;
  settings: { seconds: number; srtLatencyMs: number; publishers: number; windowSeconds: number; ingestEnv: Record<string, string> };
  latency: SrtLatencyRow[];
  /** SRT minus RTMP through our ingest: what SRT ingest adds over RTMP ingest, on the same path otherwise. */
  addedLatencyMs?: { p50: number; p95: number };
  /** SRT through our ingest (HTTP-FLV out) minus the direct SRT link: what our ingest adds to an SRT path. */
  ingestOverDirectMs?: { p50: number; p95: number };
  source?: { file: string; bitrateKbps: number; width: number; height: number; fps: number };
  idleCores?: number;
  cpu: SrtCpuRow[];
}

runBench(async ({ defer }) => {
  const { values } = parseBenchArgs(USAGE, {
    seconds: { type: 'string' },
    latency: { type: 'string' },
    publishers: { type: 'string' },
    window: { type: 'string' },
    bitrate: { type: 'string' },
    json: { type: 'string' },
    report: { type: 'string' },
    'ingest-env': { type: 'string', multiple: true },
  });
  if (typeof values['report'] === 'string') {
    process.stdout.write(`${formatSrtReport(JSON.parse(readFileSync(values['report'], 'utf8')) as SrtBenchResult)}\n`);
    return;
  }
  const seconds = numberArg(values, 'seconds', 20, { min: 1, max: 600 });
  const srtLatencyMs = numberArg(values, 'latency', 120, { min: 20, max: 8000, integer: true });
  const publishers = numberArg(values, 'publishers', 4, { min: 0, max: 64, integer: true });
  const windowSeconds = numberArg(values, 'window', 20, { min: 1, max: 600 });
  const videoKbps = numberArg(values, 'bitrate', 5800, { min: 100, max: 50_000, integer: true });
  const ingestEnv = envArg(values, 'ingest-env');

  const result: SrtBenchResult = {
    bench: 'srt',
    startedAt: new Date().toISOString(),
    machine: describeMachine(),
    build: buildIdentity(),
    settings: { seconds, srtLatencyMs, publishers, windowSeconds, ingestEnv },
    latency: [],
    cpu: [],
  };

  say('starting our ingest…');
  const ingest = await startIngest({ streams: Math.max(2, publishers * 2), env: { INGEST_SRT_LATENCY_MS: String(srtLatencyMs), ...ingestEnv } });
  defer('stop ingest', () => ingest.stop());
  const [rtmpClock, srtClock] = ingest.streams as [BenchStream, BenchStream];
  // rtmp and srt rows go through our ingest and are read as HTTP-FLV; srt-direct is FFmpeg to FFmpeg (see SrtLatencyRow).

  // Glass-to-glass: the same clock publisher and decoder; only the path between them differs.
  const directPort = await freeUdpPort();
  const paths = [
    { protocol: 'rtmp', stream: rtmpClock },
    { protocol: 'srt', stream: srtClock },
    { protocol: 'srt-direct', stream: undefined },
  ] as const;
  for (const { protocol, stream } of paths) {
    say(`glass-to-glass over ${protocol} for ${seconds} s…`);
    const direct = `srt://127.0.0.1:${directPort}?latency=${srtLatencyMs * 1000}`;
    // The direct reader is the SRT listener, so it starts first.
    const reader = stream ? undefined : ClockFlvReader.start(`${direct}&mode=listener`);
    const publisher = ClockRtmpPublisher.start({
      url:
        protocol === 'rtmp'
          ? `rtmp://127.0.0.1:${ingest.rtmpPort}/live/${rtmpClock.key}`
          : stream
            ? srtUrl(ingest, stream.key, srtLatencyMs)
            : `${direct}&mode=caller`,
      format: protocol === 'rtmp' ? 'flv' : 'mpegts',
      fps: FPS,
      gopFrames: FPS,
      videoBitrateKbps: 2500,
    });
    const stopPublisher = defer(`stop the ${protocol} clock publisher`, () => publisher.stop());
    if (stream) await waitPlayable(ingest, stream.id);
    const player = reader ?? ClockFlvReader.start(ingest.flvUrl(stream?.id));
    const stopReader = defer(`stop the ${protocol} clock reader`, () => player.stop());
    await sleep(3000);
    player.startCounting();
    publisher.resetMaxQueuedFrames();
    await sleep(seconds * 1000);
    // The publisher first: a reader that goes first leaves the direct link's FFmpeg writing into a closed socket.
    player.stopCounting();
    await stopPublisher();
    await stopReader();
    if (player.samples.length === 0) throw new Error(`no readable clock frames over ${protocol} (${player.frames} frames decoded)`);
    result.latency.push({
      protocol,
      frames: player.samples.length,
      unreadable: player.unreadable,
      latencyMs: summarize(player.samples),
      encoderQueueMaxFrames: publisher.maxQueuedFrames,
    });
  }
  const [rtmpRow, srtRow, directRow] = result.latency as [SrtLatencyRow, SrtLatencyRow, SrtLatencyRow];
  result.addedLatencyMs = { p50: srtRow.latencyMs.p50 - rtmpRow.latencyMs.p50, p95: srtRow.latencyMs.p95 - rtmpRow.latencyMs.p95 };
  result.ingestOverDirectMs = { p50: srtRow.latencyMs.p50 - directRow.latencyMs.p50, p95: srtRow.latencyMs.p95 - directRow.latencyMs.p95 };

  if (publishers > 0) {
    const spec: SourceSpec = { ...DEFAULT_SOURCE, videoKbps };
    const flvFile = await ensureBenchSource(spec);
    const tsFile = await ensureTsCopy(flvFile);
    const measured = loadFlvSource(flvFile);
    result.source = { file: flvFile, bitrateKbps: Math.round(measured.bitrateKbps), width: spec.width, height: spec.height, fps: measured.fps };
    say(`idle ingest for ${windowSeconds} s (baseline)…`);
    const idle = await cpuWindow(ingest, windowSeconds);
    result.idleCores = idle.cores;
    const streams = ingest.streams.slice(0, publishers * 2);
    for (const protocol of ['rtmp', 'srt'] as const) {
      const own = protocol === 'rtmp' ? streams.slice(0, publishers) : streams.slice(publishers);
      say(`${publishers} ${protocol.toUpperCase()} publishers at ~${Math.round(measured.bitrateKbps)} kb/s…`);
      const children = own.map((s) =>
        copyPublisher(
          protocol === 'rtmp' ? flvFile : tsFile,
          protocol === 'rtmp' ? 'flv' : 'mpegts',
          protocol === 'rtmp' ? `rtmp://127.0.0.1:${ingest.rtmpPort}/live/${s.key}` : srtUrl(ingest, s.key, srtLatencyMs),
        ),
      );
      const stop = defer(`stop the ${protocol} publishers`, () => Promise.all(children.map((c) => stopProcess(c, 3000, 'SIGINT'))).then(() => undefined));
      for (const s of own) await waitPlayable(ingest, s.id);
      await sleep(4000);
      const window = await cpuWindow(ingest, windowSeconds);
      const bitrates = await Promise.all(own.map(async (s) => (await ingest.liveState(s.id))?.bitrateKbps ?? 0));
      await stop();
      const netCores = Math.max(0, window.cores - idle.cores);
      result.cpu.push({
        protocol,
        publishers,
        served: bitrates.filter((b) => b >= 0.8 * measured.bitrateKbps).length,
        windowSeconds: window.seconds,
        netCores,
        coresPerPublisher: netCores / publishers,
        bitratesKbps: bitrates,
        machineBusyPercent: window.machineBusyPercent,
      });
      await sleep(2000);
    }
  }
  result.finishedAt = new Date().toISOString();
  process.stdout.write(`${formatSrtReport(result)}\n`);
  say(`result written to ${writeResult('srt', result, typeof values['json'] === 'string' ? values['json'] : undefined)}`);
  const short = result.cpu.find((row) => row.served < row.publishers);
  if (short) throw new Error(`${short.protocol}: only ${short.served} of ${short.publishers} publishers were served at ≥ 80 % of the source rate`);
});

/** FFmpeg 5.1 takes `streamid` as it is in the URL (no URL-decoding): `#!::r=…,m=publish` goes in raw. */
function srtUrl(ingest: IngestUnderTest, key: string, latencyMs: number): string {
  return `srt://127.0.0.1:${ingest.srtPort}?mode=caller&latency=${latencyMs * 1000}&streamid=${formatSrtStreamId({ mode: 'publish', streamKey: key })}`;
}

/** The bench source remuxed to MPEG-TS once (the same frames, for the SRT publishers). */
async function ensureTsCopy(flvFile: string): Promise<string> {
  const ts = flvFile.replace(/\.flv$/, '.ts');
  if (existsSync(ts)) return ts;
  const partial = `${ts}.partial.ts`;
  await execFileAsync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-i', flvFile, '-c', 'copy', '-f', 'mpegts', partial], {
    timeout: 120_000,
  });
  renameSync(partial, ts);
  return ts;
}

async function waitPlayable(ingest: IngestUnderTest, streamId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if ((await ingest.liveState(streamId))?.media.video) return;
    await sleep(200);
  }
  throw new Error(`stream ${streamId} did not go live (see ${ingest.logFile})`);
}

async function cpuWindow(ingest: IngestUnderTest, seconds: number): Promise<{ cores: number; seconds: number; machineBusyPercent: number }> {
  const [before, machineBefore, startedAt] = [ingest.usage(), machineUsage(), performance.now()];
  await sleep(seconds * 1000);
  const [after, machineAfter] = [ingest.usage(), machineUsage()];
  const elapsed = (performance.now() - startedAt) / 1000;
  const machineCores = describeMachine().cpus;
  return {
    cores: (after.cpuSeconds - before.cpuSeconds) / elapsed,
    seconds: elapsed,
    machineBusyPercent: (100 * (machineAfter.cpuSeconds - machineBefore.cpuSeconds)) / elapsed / machineCores,
  };
}

export function formatSrtReport(result: SrtBenchResult): string {
  const lines: string[] = [];
  lines.push(
    `SRT INGEST: GLASS-TO-GLASS OVER HTTP-FLV (SRT latency ${result.settings.srtLatencyMs} ms; burned-in clock, x264 encoder and FFmpeg decoder included)`,
  );
  lines.push(
    formatTable(
      ['path', 'frames', 'unreadable', 'p50 ms', 'p95 ms', 'max ms', 'encoder queue max'],
      result.latency.map((r) => [
        r.protocol,
        String(r.frames),
        String(r.unreadable),
        fmt(r.latencyMs.p50, 0),
        fmt(r.latencyMs.p95, 0),
        fmt(r.latencyMs.max, 0),
        r.encoderQueueMaxFrames === undefined ? '-' : `${r.encoderQueueMaxFrames} frames`,
      ]),
    ),
  );
  if (result.addedLatencyMs) {
    lines.push(`SRT ingest adds ${fmt(result.addedLatencyMs.p50, 0)} ms at p50 (${fmt(result.addedLatencyMs.p95, 0)} ms at p95) over RTMP ingest,`);
  }
  if (result.ingestOverDirectMs) {
    lines.push(
      `of which our ingest (SRT in, TS demux, HTTP-FLV out) ${fmt(result.ingestOverDirectMs.p50, 0)} ms at p50 (${fmt(result.ingestOverDirectMs.p95, 0)} ms at p95) over a direct FFmpeg→FFmpeg SRT link;`,
      "the rest is SRT's latency (TSBPD) and FFmpeg's MPEG-TS path at both ends",
    );
  }
  if (result.cpu.length > 0) {
    lines.push('');
    lines.push(
      `SRT INGEST: CPU PER PUBLISHER (${result.source?.width}x${result.source?.height} ${result.source?.fps} fps, ~${result.source?.bitrateKbps} kb/s copied by FFmpeg; idle ingest ${fmt(result.idleCores, 3)} cores subtracted)`,
    );
    lines.push(
      formatTable(
        ['ingest', 'publishers', 'served', 'net cores', 'cores/publisher', '% core/publisher', 'machine busy %'],
        result.cpu.map((r) => [
          r.protocol,
          String(r.publishers),
          String(r.served),
          fmt(r.netCores, 3),
          fmt(r.coresPerPublisher, 4),
          fmt(100 * r.coresPerPublisher, 1),
          fmt(r.machineBusyPercent, 0),
        ]),
      ),
    );
    const [rtmp, srt] = [result.cpu.find((r) => r.protocol === 'rtmp'), result.cpu.find((r) => r.protocol === 'srt')];
    if (rtmp && srt && rtmp.coresPerPublisher > 0) lines.push(`an SRT publisher costs ${fmt(srt.coresPerPublisher / rtmp.coresPerPublisher, 2)}× an RTMP one`);
  }
  return lines.join('\n');
}
