// HLS glass-to-glass latency: FFmpeg publishes over RTMP a picture carrying
// its own wall clock as a barcode; the platform (control plane, ingest,
// transcode worker, edge) turns it into 2-second-segment HLS; hls.js plays it
// in Chromium, and every quarter second the page reads the barcode of the
// frame on screen: latency = now − the time printed in that frame.
// Usage: node tools/bench/run.cjs hls-latency [--seconds 30] [--warmup 8] [--sync-count 3] [--json FILE]
import { cpus, loadavg } from 'node:os';
import {
  BARCODE,
  barcodeLatencyMs,
  CLOCK_BARCODE_PAGE_SCRIPT,
  ffmpegBarcodeSource,
  freePort,
  launchChromium,
  platformEnv,
  sleep,
  spawnTracked,
  startHlsPlayer,
  stopProcess,
  waitFor,
} from '@mediaplane/testing';
import { numberArg, parseBenchArgs } from '../common/bench-args';
import { startBenchApp, type BenchApp } from '../common/bench-app';
import { say } from '../common/progress';
import { fmt, formatTable, writeResult } from '../common/report-table';
import { summarize } from '../common/stats';
import { runBench } from '../common/bench-lifecycle';

const USAGE = `usage: node tools/bench/run.cjs hls-latency [options]

  --seconds S      latency samples are taken for S seconds (default 30)
  --warmup S       playback runs S seconds before sampling starts (default 8)
  --sync-count N   hls.js liveSyncDurationCount, segments behind the live edge (default 3, hls.js's own default)
  --json FILE      write the result here (default tmp/bench/hls-latency-<time>.json and hls-latency-latest.json)
  --no-build       (run.cjs) do not recompile the apps`;

declare const window: { mpClockBarcode: { read(source: unknown, w: number, h: number): number } };
declare const document: { getElementById(id: string): { readyState: number; paused: boolean; videoWidth: number; videoHeight: number } };

interface Sample {
  latencyMs: number;
  height: number;
}

async function main(): Promise<void> {
  const { values } = parseBenchArgs(USAGE, {
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    'sync-count': { type: 'string' },
    json: { type: 'string' },
  });
  const seconds = numberArg(values, 'seconds', 30, { min: 5, max: 600 });
  const warmup = numberArg(values, 'warmup', 8, { min: 0, max: 120 });
  const syncCount = numberArg(values, 'sync-count', 3, { min: 0.5, max: 10 });

  const platform = platformEnv();
  const apps: BenchApp[] = [];
  const rtmpPort = await freePort();
  const edgePort = await freePort();
  say('starting control plane, ingest, transcode worker and edge…');
  const env = platform.env;
  apps.push(
    ...(await Promise.all([
      freePort().then((port) => startBenchApp('control-plane', port, { ...env, MEDIAPLANE_PUBLIC_HLS_URL: `http://127.0.0.1:${edgePort}/hls` })),
      freePort().then((port) => startBenchApp('ingest', port, { ...env, INGEST_RTMP_PORT: String(rtmpPort) })),
      freePort().then((port) => startBenchApp('transcode', port, { ...env, TRANSCODE_MAX_JOBS: '1' })),
      startBenchApp('edge', edgePort, env),
    ])),
  );
  const [controlPlane] = apps as [BenchApp];
  const created = (await (
    await fetch(`${controlPlane.httpUrl}/api/v1/streams`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'latency bench' }),
    })
  ).json()) as { id: string; streamKey: string; playback: { hls: string } };

  const start = Math.floor(Date.now() / 1000) % 10_000_000;
  const bar = ffmpegBarcodeSource(start);
  const publisher = spawnTracked(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      '-re',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${BARCODE.width}x${BARCODE.height}:rate=30`,
      '-re',
      '-f',
      'lavfi',
      '-i',
      bar,
      '-re',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=48000',
      '-filter_complex',
      '[0:v][1:v]overlay=0:0[v]',
      '-map',
      '[v]',
      '-map',
      '2:a',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-tune',
      'zerolatency',
      '-pix_fmt',
      'yuv420p',
      '-g',
      '60',
      '-b:v',
      '2500k',
      '-c:a',
      'aac',
      '-b:a',
      '128k',
      '-f',
      'flv',
      `rtmp://127.0.0.1:${rtmpPort}/live/${created.streamKey}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const browser = await launchChromium();
  try {
    say(`publishing; waiting for ${created.playback.hls}…`);
    await waitFor(async () => (await fetch(created.playback.hls)).status === 200, { timeoutMs: 60_000, intervalMs: 200, what: 'master.m3u8 on the edge' });
    const page = await browser.newPage();
    await startHlsPlayer(page, created.playback.hls, { liveSyncDurationCount: syncCount });
    await page.evaluate(CLOCK_BARCODE_PAGE_SCRIPT);
    say(`playing; warming up ${warmup}s, then sampling ${seconds}s…`);
    await sleep(warmup * 1000);
    const samples: Sample[] = [];
    let unreadable = 0;
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
      const read = await page.evaluate(() => {
        const video = document.getElementById('v');
        if (video.readyState < 2 || video.paused || video.videoWidth === 0) return undefined;
        return { value: window.mpClockBarcode.read(video, video.videoWidth, video.videoHeight), now: Date.now(), height: video.videoHeight };
      });
      if (read) {
        const latencyMs = barcodeLatencyMs(read.value, read.now, 10);
        if (latencyMs !== undefined && latencyMs > 0) samples.push({ latencyMs, height: read.height });
        else unreadable++;
      }
      await sleep(250);
    }
    const summary = summarize(samples.map((s) => s.latencyMs));
    const heights = [...new Set(samples.map((s) => s.height))].sort((a, b) => a - b);
    process.stdout.write(
      [
        `HLS GLASS-TO-GLASS LATENCY — RTMP publish → ingest → transcode (2 s segments) → edge → hls.js (liveSyncDurationCount ${syncCount})`,
        `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, load ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
        '',
        formatTable(
          ['samples', 'unreadable', 'p50 s', 'p95 s', 'max s', 'min s', 'renditions played (height)'],
          [
            [
              String(summary.count),
              String(unreadable),
              fmt(summary.p50 / 1000, 2),
              fmt(summary.p95 / 1000, 2),
              fmt(summary.max / 1000, 2),
              fmt(summary.min / 1000, 2),
              heights.join(', '),
            ],
          ],
        ),
        '',
        `p95 ${fmt(summary.p95 / 1000, 2)} s (target ≤ 8 s)`,
        '',
      ].join('\n'),
    );
    const file = writeResult(
      'hls-latency',
      { bench: 'hls-latency', at: new Date().toISOString(), syncCount, seconds, warmup, summary, unreadable, heights },
      values['json'] as string | undefined,
    );
    say(`result written to ${file}`);
    if (summary.count === 0) throw new Error('no frame could be read: is the barcode visible?');
  } finally {
    await browser.close().catch(() => undefined);
    await stopProcess(publisher, 3000, 'SIGINT');
    await Promise.all(apps.map((a) => a.stop()));
  }
}

runBench(() => main());
