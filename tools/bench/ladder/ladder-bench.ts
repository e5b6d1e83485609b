// Ladder CPU benchmark: CPU cores per real-time second of the transcode
// worker's one-process ladder (decode once, split, cascade scaling, every rung
// encoded, passthrough, thumbnail — the worker's exact FFmpeg arguments)
// against the naive alternative, four separate FFmpeg processes each decoding
// the source and encoding one rung with the same encoder settings, in one run.
// Usage: node tools/bench/run.cjs ladder [--seconds 20] [--repeat 1] [--preset veryfast] [--json FILE]
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { LadderSchema } from '@mediaplane/contracts';
import { spawnTracked } from '@mediaplane/testing';
import {
  DEFAULT_LADDER,
  buildLadderArgs,
  fpsText,
  planLadder,
  segmentOutputArgs,
  videoEncoderArgs,
  type LadderPlan,
  type SourceMedia,
} from '@mediaplane/media-plan';
import { numberArg, parseBenchArgs } from '../common/bench-args';
import { ensureBenchSource } from '../common/bench-source';
import { benchDir } from '../common/bench-paths';
import { say } from '../common/progress';
import { fmt, formatTable, writeResult } from '../common/report-table';
import { runBench } from '../common/bench-lifecycle';

const USAGE = `usage: node tools/bench/run.cjs ladder [options]

  --seconds S     length of the 1080p30 source, seconds (default 20)
  --repeat N      measure each configuration N times, alternating (default 1)
  --preset P      x264 preset of the ladder (default: the default ladder's, veryfast)
  --json FILE     write the result here (default tmp/bench/ladder-<time>.json and ladder-latest.json)
  --no-build      (run.cjs) do not recompile the apps`;

interface Measured {
  cpuSeconds: number;
  wallSeconds: number;
}

interface LadderRow {
  config: 'one-process ladder' | 'four separate processes';
  run: number;
  cpuSeconds: number;
  wallSeconds: number;
  mediaSeconds: number;
  coresPerRealtime: number;
  speed: number;
}

const SOURCE: SourceMedia = { width: 1920, height: 1080, fps: 30, videoCodec: 'h264', hasAudio: true, audioCodec: 'aac', bitrateKbps: 6000 };

async function main(): Promise<void> {
  const { values } = parseBenchArgs(USAGE, { seconds: { type: 'string' }, repeat: { type: 'string' }, preset: { type: 'string' }, json: { type: 'string' } });
  const seconds = numberArg(values, 'seconds', 20, { min: 4, max: 600, integer: true });
  const repeat = numberArg(values, 'repeat', 1, { min: 1, max: 10, integer: true });
  const ladder = LadderSchema.parse({ ...DEFAULT_LADDER, ...(values['preset'] ? { preset: values['preset'] } : {}) });
  const plan = planLadder(SOURCE, ladder, { maxFps: 60 });
  // 1080p30 at 6 Mb/s with grain (a flat test pattern is unrealistically cheap to decode), encoded once and cached.
  const source = await ensureBenchSource({ width: SOURCE.width, height: SOURCE.height, fps: 30, videoKbps: 6000, gopSeconds: 2, seconds });
  const work = mkdtempSync(join(benchDir('ladder'), 'run-'));
  const rows: LadderRow[] = [];
  try {
    for (let run = 1; run <= repeat; run++) {
      say(`run ${run}/${repeat}: one-process ladder (${plan.renditions.map((r) => r.name).join(', ')})…`);
      rows.push(row('one-process ladder', run, await ladderProcess(plan, source, join(work, `l${run}`)), seconds));
      say(`run ${run}/${repeat}: four separate processes…`);
      rows.push(row('four separate processes', run, await separateProcesses(plan, source, join(work, `s${run}`)), seconds));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const mean = (config: LadderRow['config']) => {
    const of = rows.filter((r) => r.config === config);
    return of.reduce((s, r) => s + r.coresPerRealtime, 0) / of.length;
  };
  const ratio = mean('one-process ladder') / mean('four separate processes');
  const table = formatTable(
    ['config', 'run', 'CPU s', 'media s', 'cores/real-time', 'wall s', 'speed'],
    rows.map((r) => [
      r.config,
      String(r.run),
      fmt(r.cpuSeconds, 2),
      String(r.mediaSeconds),
      fmt(r.coresPerRealtime, 3),
      fmt(r.wallSeconds, 1),
      `${fmt(r.speed, 2)}x`,
    ]),
  );
  process.stdout.write(
    [
      `LADDER CPU — 1080p30 source, ${seconds}s, preset ${plan.preset}, rungs ${plan.renditions
        .filter((r) => r.mode === 'encode')
        .map((r) => r.name)
        .join('/')} (+ passthrough and thumbnails in the ladder process)`,
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
      '',
      table,
      '',
      `ratio (ladder / four processes, CPU per real-time second): ${ratio.toFixed(3)}  (target ≤ 0.75)`,
      '',
    ].join('\n'),
  );
  const file = writeResult(
    'ladder',
    { bench: 'ladder', at: new Date().toISOString(), preset: plan.preset, seconds, rows, ratio },
    values['json'] as string | undefined,
  );
  say(`result written to ${file}`);
}

function row(config: LadderRow['config'], run: number, m: Measured, mediaSeconds: number): LadderRow {
  return {
    config,
    run,
    cpuSeconds: m.cpuSeconds,
    wallSeconds: m.wallSeconds,
    mediaSeconds,
    coresPerRealtime: m.cpuSeconds / mediaSeconds,
    speed: mediaSeconds / m.wallSeconds,
  };
}

/** The worker's own arguments for this plan, reading a file instead of a live pull, as fast as it can. */
async function ladderProcess(plan: LadderPlan, source: string, dir: string): Promise<Measured> {
  const built = buildLadderArgs({
    inputUrl: source,
    plan,
    source: SOURCE,
    encoder: 'libx264',
    segmentPattern: (r) => join(dir, `${r.name}-%d.ts`),
    thumbnail: { path: join(dir, 'thumbnail.jpg'), intervalSeconds: 5 },
  });
  return timeFfmpeg(built.args, built.outputPipes, dir);
}

/** One process per encoded rung: its own decode, frame-rate conversion, scaling, encode and segmenting. */
async function separateProcesses(plan: LadderPlan, source: string, dir: string): Promise<Measured> {
  const started = Date.now();
  const runs = plan.renditions
    .filter((r) => r.mode === 'encode')
    .map((r) => {
      const args = [
        '-hide_banner',
        '-nostdin',
        '-y',
        '-i',
        source,
        '-vf',
        `fps=${fpsText(plan.frameRate)},format=yuv420p,scale=${r.width}:${r.height}`,
        ...videoEncoderArgs('libx264', r, plan),
        '-c:a',
        'aac',
        '-b:a',
        `${r.audioBitrateKbps}k`,
        '-ac',
        '2',
        ...segmentOutputArgs(plan.segmentSeconds),
        join(dir, `${r.name}-%d.ts`),
      ];
      return timeFfmpeg(args, 0, dir);
    });
  const measured = await Promise.all(runs);
  return { cpuSeconds: measured.reduce((s, m) => s + m.cpuSeconds, 0), wallSeconds: (Date.now() - started) / 1000 };
}

/** Runs FFmpeg with -benchmark and reads the CPU time it reports for itself (user + system). */
function timeFfmpeg(args: readonly string[], extraPipes: number, dir: string): Promise<Measured> {
  const started = Date.now();
  const withBench = ['-benchmark', ...args.map((a, i) => (args[i - 1] === '-loglevel' ? 'info' : a))];
  if (!withBench.includes('-loglevel')) withBench.unshift('-loglevel', 'info');
  mkdirSync(dir, { recursive: true });
  const child = spawnTracked('ffmpeg', withBench, { stdio: ['ignore', 'ignore', 'pipe', ...Array.from({ length: extraPipes }, () => 'pipe' as const)] });
  for (let fd = 3; fd < 3 + extraPipes; fd++) (child.stdio[fd] as NodeJS.ReadableStream | null)?.resume();
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const m = /bench: utime=([\d.]+)s stime=([\d.]+)s rtime=([\d.]+)s/.exec(err);
      if (code !== 0 || !m) return reject(new Error(`ffmpeg failed (${code}): ${err.slice(-1500)}`));
      resolve({ cpuSeconds: Number(m[1]) + Number(m[2]), wallSeconds: (Date.now() - started) / 1000 });
    });
  });
}

runBench(() => main());
