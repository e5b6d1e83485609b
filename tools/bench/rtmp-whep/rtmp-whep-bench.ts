// RTMP → WebRTC bridge join time: FFmpeg publishes over RTMP to a real ingest
// (H.264 Constrained Baseline → the SFU passes it through; H.264 High with
// B-frames → the SFU re-encodes it), and a Chromium page plays it over WHEP
// from a mediasoup SFU, timing WHEP POST → first frame presented
// (requestVideoFrameCallback):
//   cold: nobody watches, so the bridge (its FFmpeg) starts for this viewer;
//   warm: another viewer keeps the bridge running, so this one gets the
//         current GOP replayed on the bridge's catch-up layer (it used to wait
//         for the source's next keyframe).
// Then, per source, glass-to-glass: a publisher burns the wall clock into every
// frame and Chromium reads it at presentation, with the CPU of the one bridge.
// Usage: node tools/bench/run.cjs rtmp-whep [--joins 10] [--gop 2] [--seconds 30] [--sources passthrough,reencode] [--lipsync on,off] [--publisher live|ffmpeg] [--audio aac|opus]
import { ffmpegPublish, freePort, launchChromium, sleep, waitFor } from '@mediaplane/testing';
import { ClockLivePublisherProcess } from '../common/clock-live-publisher-process';
import { ClockPlayerPage } from '../sfu-latency/clock-pages';
import { joinOnceLive } from '../common/whep-clock-latency';
import type { ClockAudioCodec } from '../common/clock-live-publisher';
import { measureRtmpWhepLatency, type ClockPublisherKind, type RtmpWhepLatency } from '../common/rtmp-whep-latency';
import { choiceArg, numberArg, listArg, parseBenchArgs } from '../common/bench-args';
import { startBenchApp } from '../common/bench-app';
import { describeMachine } from '../common/bench-context';
import { runBench } from '../common/bench-lifecycle';
import { say } from '../common/progress';
import { metricSum } from '../common/prometheus-metric';
import { fmt, formatTable, writeResult } from '../common/report-table';
import { SfuBenchPlatform, benchEngines, type BenchSfu } from '../common/sfu-bench-platform';
import { summarize, type Summary } from '../common/stats';

const USAGE = `usage: node tools/bench/run.cjs rtmp-whep [options]

  --joins N          cold joins and warm joins per source (default 10)
  --gop S            the RTMP source's keyframe interval in seconds (default 2)
  --sources LIST     comma-separated, of passthrough,reencode (default both)
  --seconds S        glass-to-glass sampling per source, after a 4 s warm-up (default 30; 0 skips it)
  --lipsync LIST     glass-to-glass with the viewer's audio and video in lip sync (on: WHEP's default),
                     without (off: WHEP ?lipsync=false), or both (default on,off)
  --publisher P      glass-to-glass clock publisher: live (default; x264 and AAC in two FFmpegs, each frame
                     sent when encoded) or ffmpeg (one FFmpeg muxing both, which holds video back for AAC)
  --audio A          the sources' sound: aac (default) or opus (E-RTMP 'Opus' tags, live publisher only; the
                     bridge reads the stream as Matroska and copies the Opus). FFmpeg 5.1 cannot send E-RTMP,
                     so with opus the joins' source is the live clock publisher too (1280x720)
  --json FILE        write the result here (default tmp/bench/rtmp-whep-<time>.json and rtmp-whep-latest.json)
  --no-build         (run.cjs) do not recompile the apps`;

type SourceName = 'passthrough' | 'reencode';
/** x264 options appended after the test source's own (ultrafast, zerolatency): later ones win. */
const ENCODERS: Record<SourceName, { label: string; args: string[] }> = {
  passthrough: { label: 'H.264 Constrained Baseline', args: ['-profile:v', 'baseline'] },
  reencode: { label: 'H.264 High, 2 B-frames', args: ['-preset', 'veryfast', '-tune', 'film', '-bf', '2', '-profile:v', 'high'] },
};
/**
 * The clock publisher's options for glass-to-glass: the same profiles, but encoded as a live
 * encoder would (zerolatency, no look-ahead), so the figure is the platform's, not x264's
 * look-ahead (with `-tune film` the re-encode source alone held frames ~700 ms).
 */
const CLOCK_ENCODERS: Record<SourceName, string[]> = {
  passthrough: ['-profile:v', 'baseline'],
  reencode: ['-profile:v', 'high', '-bf', '2'],
};
const FPS = 25;

/** "video/audio (video/audio without lip sync)", mean ms over the window. */
function jitterBufferCell(j: RtmpWhepLatency['jitterBufferMs']): string {
  return `${fmt(j.videoMs, 0)}/${fmt(j.audioMs, 0)} (${fmt(j.videoMinimumMs, 0)}/${fmt(j.audioMinimumMs, 0)})`;
}
const IDLE_STOP_MS = 1000;
const JOIN_TIMEOUT_MS = 15_000;

interface JoinSeries {
  attempted: number;
  failed: number;
  firstError?: string;
  answerMs: Summary;
  firstFrameMs: Summary;
}

interface SourceRow {
  source: SourceName;
  label: string;
  cold: JoinSeries;
  warm: JoinSeries;
  keyframeWaitMean: number;
  /** Glass-to-glass, one per --lipsync setting. */
  latencies: RtmpWhepLatency[];
}

async function joins(player: ClockPlayerPage, url: string, n: number, between: () => Promise<void>): Promise<JoinSeries> {
  const answer: number[] = [];
  const firstFrame: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  for (let i = 0; i < n; i++) {
    await between();
    const join = await player.join(url, JOIN_TIMEOUT_MS);
    if (join.answerMs !== undefined) answer.push(join.answerMs);
    if (join.firstFrameMs !== undefined) firstFrame.push(join.firstFrameMs);
    else {
      failed++;
      firstError ??= join.status === 201 ? `no frame within ${JOIN_TIMEOUT_MS} ms` : `status ${join.status} ${join.body ?? ''}`;
    }
    if (join.id !== undefined) await player.leave(join.id);
  }
  return { attempted: n, failed, firstError, answerMs: summarize(answer), firstFrameMs: summarize(firstFrame) };
}

/** The SFU's keyframe-wait histogram so far (sum in seconds, count); one source at a time, so deltas are that source's. */
async function keyframeWaits(sfu: BenchSfu): Promise<{ sum: number; count: number }> {
  const [sum, count] = await Promise.all([
    metricSum(sfu.app.httpUrl, 'mediaplane_sfu_bridge_keyframe_wait_seconds_sum'),
    metricSum(sfu.app.httpUrl, 'mediaplane_sfu_bridge_keyframe_wait_seconds_count'),
  ]);
  return { sum, count };
}

async function measureSource(
  browser: Awaited<ReturnType<typeof launchChromium>>,
  platform: SfuBenchPlatform,
  sfu: BenchSfu,
  rtmpPort: number,
  options: { source: SourceName; joins: number; gop: number; audio: ClockAudioCodec },
): Promise<SourceRow> {
  const { source } = options;
  const stream = await platform.createStream(`rtmp-whep ${source}`);
  const encoding = { fps: FPS, gopFrames: Math.round(options.gop * FPS), videoBitrateKbps: 1500 };
  const publisher =
    options.audio === 'opus'
      ? await ClockLivePublisherProcess.start({ host: '127.0.0.1', port: rtmpPort, app: 'live', streamKey: stream.streamKey, ...encoding, encoderArgs: ENCODERS[source].args, audio: 'opus' })
      : ffmpegPublish({ url: `rtmp://127.0.0.1:${rtmpPort}/live/${stream.streamKey}`, ...encoding, extraOutputArgs: ENCODERS[source].args });
  const context = await browser.newContext();
  const bridges = () => metricSum(sfu.app.httpUrl, 'mediaplane_sfu_bridges');
  try {
    const origin = `${sfu.app.httpUrl}/readyz`;
    const [player, holder] = await Promise.all([ClockPlayerPage.open(await context.newPage(), origin), ClockPlayerPage.open(await context.newPage(), origin)]);
    const url = sfu.whepUrl(stream.id);
    // The player is opened first and the holder in front of it: a page behind another gets no animation
    // frames, so its first video frame callback came up to ~0.8 s after the frame was decoded and shown.
    await player.bringToFront();
    const probe = await joinOnceLive(player, url, `the ${source} stream`);
    await player.leave(probe.id as number);
    const noBridge = async (): Promise<void> => {
      await waitFor(async () => (await bridges()) === 0, { timeoutMs: 10_000, what: 'the bridge to stop' });
    };
    const waitsBefore = await keyframeWaits(sfu);
    say(`${source}: ${options.joins} cold joins (each waits for the previous bridge to stop)…`);
    const cold = await joins(player, url, options.joins, noBridge);

    say(`${source}: ${options.joins} warm joins (another viewer keeps the bridge running)…`);
    await noBridge();
    const held = await holder.join(url, JOIN_TIMEOUT_MS);
    if (held.firstFrameMs === undefined) throw new Error(`${source}: the holding viewer got no frame (${held.status} ${held.body ?? ''})`);
    // Spread the joins over the GOP, so the waits sample every phase of it.
    const warm = await joins(player, url, options.joins, () => sleep(300 + Math.random() * options.gop * 1000));
    const waits = await keyframeWaits(sfu);
    if (held.id !== undefined) await holder.leave(held.id);
    const count = waits.count - waitsBefore.count;
    return { source, label: ENCODERS[source].label, cold, warm, latencies: [], keyframeWaitMean: count > 0 ? ((waits.sum - waitsBefore.sum) / count) * 1000 : Number.NaN };
  } finally {
    await context.close().catch(() => undefined);
    await publisher.stop();
  }
}

function report(rows: SourceRow[], gop: number, audio: ClockAudioCodec): string {
  const machine = describeMachine();
  const line = (r: SourceRow, kind: 'cold' | 'warm') => {
    const s = r[kind];
    return [r.source, r.label, kind, String(s.attempted), String(s.failed), fmt(s.answerMs.p50, 0), fmt(s.firstFrameMs.p50, 0), fmt(s.firstFrameMs.p95, 0), fmt(s.firstFrameMs.max, 0)];
  };
  return [
    audio === 'opus'
      ? `RTMP → WHEP JOIN TIME — the live clock publisher (1280x720, ${FPS} fps, GOP ${gop} s, E-RTMP Opus) → RTMP → ingest → HTTP-FLV → SFU bridge (Matroska in, FFmpeg → RTP) → mediasoup → Chromium, loopback`
      : `RTMP → WHEP JOIN TIME — FFmpeg (640x360, ${FPS} fps, GOP ${gop} s, AAC) → RTMP → ingest → HTTP-FLV → SFU bridge (FFmpeg → RTP) → mediasoup → Chromium, loopback`,
    `machine: ${machine.cpus} × ${machine.cpuModel}, load ${machine.loadavgAtStart.map((l) => l.toFixed(2)).join(' ')}`,
    '',
    formatTable(
      ['mode', 'source', 'join', 'joins', 'failed', 'answer p50 ms', 'first frame p50 ms', 'p95 ms', 'max ms'],
      rows.flatMap((r) => [line(r, 'cold'), line(r, 'warm')]),
    ),
    '',
    ...latencyReport(rows),
    `join target (issue 10): first frame ≤ 500 ms with a 2 s source GOP (this run: ${gop} s).`,
    `cold: the bridge starts for the viewer (FFmpeg spawn, FLV probe, the ingest's GOP cache); warm: it runs, and replays its cached GOP to the viewer.`,
    `Mean keyframe wait the SFU recorded over each source's joins (mediaplane_sfu_bridge_keyframe_wait_seconds: join → next keyframe sent): ${rows.map((r) => `${r.source} ${fmt(r.keyframeWaitMean, 0)} ms`).join(', ')}.`,
    '',
  ].join('\n');
}

function latencyReport(rows: SourceRow[]): string[] {
  const measured = rows.flatMap((r) => r.latencies.map((latency) => ({ source: r.source, latency })));
  if (measured.length === 0) return [];
  return [
    'GLASS-TO-GLASS — the wall clock burned into each frame by the RTMP publisher (1280x720, x264), read in Chromium at presentation; one viewer, one bridge',
    '',
    formatTable(
      ['mode', 'lip sync', 'publisher', 'frames read', 'unreadable', 'p50 ms', 'p95 ms', 'max ms', 'last 5 s p50/p95 ms', 'encoder p50/p95 ms', 'jitter buffer video/audio ms (without lip sync)', 'audio device ms', 'bridge CPU (cores)', 'SFU group CPU (cores)'],
      measured.map((r) => {
        const l = r.latency;
        const encoder = l.encoderDelayMs ? `${fmt(l.encoderDelayMs.p50, 0)}/${fmt(l.encoderDelayMs.p95, 0)}` : '—';
        return [r.source, l.lipSync ? 'on' : 'off', `${l.publisher}, ${l.audio === 'opus' ? 'Opus' : 'AAC'}`, String(l.frames), String(l.unreadable), fmt(l.latencyMs.p50, 0), fmt(l.latencyMs.p95, 0), fmt(l.latencyMs.max, 0), `${fmt(l.lastSecondsMs.p50, 0)}/${fmt(l.lastSecondsMs.p95, 0)}`, encoder, jitterBufferCell(l.jitterBufferMs), fmt(l.jitterBufferMs.audioPlayoutMs, 0), fmt(l.bridgeCores, 2), fmt(l.sfuCores, 2)];
      }),
    ),
    `target: p95 ≤ 150 ms in passthrough. Glass-to-glass includes the publisher's encoder (x264 zerolatency; the re-encode source with 2 B-frames), its share in "encoder":`,
    `picture drawn → encoded frame sent (live publisher only). Chromium keeps lip sync: its video jitter buffer holds the picture back until the`,
    `audio (an AAC source: its encoder ~43 ms and AAC → Opus in the bridge; an Opus one is copied) and Chromium's audio jitter buffer can play with it; the means over the window are beside.`,
    `That hold settles over the first ~12 s of a bridge run: "last 5 s" is the window's end, to compare with the whole.`,
    `lip sync off (WHEP ?lipsync=false): the tracks come as two media streams and nothing holds the picture; the sound then trails it by about`,
    `the audio path's extra length (the jitter buffers' difference in the lip-sync row).`,
    '',
  ];
}

runBench(async (bench) => {
  const { values } = parseBenchArgs(USAGE, {
    joins: { type: 'string' },
    gop: { type: 'string' },
    sources: { type: 'string' },
    seconds: { type: 'string' },
    publisher: { type: 'string' },
    lipsync: { type: 'string' },
    audio: { type: 'string' },
    json: { type: 'string' },
  });
  const publisher = choiceArg<ClockPublisherKind>(values, 'publisher', ['live', 'ffmpeg'], 'live');
  const audio = choiceArg<ClockAudioCodec>(values, 'audio', ['aac', 'opus'], 'aac');
  if (audio === 'opus' && publisher !== 'live') throw new Error('--audio opus needs --publisher live (FFmpeg 5.1 cannot publish E-RTMP)');
  const seconds = numberArg(values, 'seconds', 30, { min: 0, max: 600 });
  const joinCount = numberArg(values, 'joins', 10, { min: 1, max: 200, integer: true });
  const gop = numberArg(values, 'gop', 2, { min: 0.5, max: 10 });
  const sources = listArg(values, 'sources', ['passthrough', 'reencode'] as const, ['passthrough', 'reencode']);
  const lipSyncs = listArg(values, 'lipsync', ['on', 'off'] as const, ['on', 'off']).map((s) => s === 'on');
  const { engines, skipped } = benchEngines(['mediasoup']);
  if (engines.length === 0) throw new Error(`the bridge needs mediasoup: ${skipped.join('; ')}`);

  say('starting the control plane, a mediasoup SFU and an ingest…');
  const platform = await SfuBenchPlatform.start(['mediasoup'], { rtcPorts: 100, sfuEnv: { SFU_BRIDGE_IDLE_STOP_MS: String(IDLE_STOP_MS) } });
  bench.defer('platform', () => platform.stop());
  const rtmpPort = await freePort();
  const ingest = await startBenchApp('ingest', await freePort(), { ...platform.env, INGEST_RTMP_PORT: String(rtmpPort), INGEST_SRT_PORT: String(await freePort()) });
  bench.defer('ingest', async () => {
    await ingest.stop();
  });
  const browser = await launchChromium({ webrtc: true });
  bench.defer('chromium', () => browser.close());
  const sfu = platform.sfus[0] as BenchSfu;

  const rows: SourceRow[] = [];
  for (const source of sources) {
    const row = await measureSource(browser, platform, sfu, rtmpPort, { source, joins: joinCount, gop, audio });
    for (const lipSync of seconds > 0 ? lipSyncs : []) {
      say(`${source}: glass-to-glass for ${seconds} s, lip sync ${lipSync ? 'on' : 'off'} (clock burned in by the publisher)…`);
      row.latencies.push(
        await measureRtmpWhepLatency(browser, platform, sfu, rtmpPort, { name: source, seconds, gop, fps: FPS, encoderArgs: CLOCK_ENCODERS[source], publisher, lipSync, audio }),
      );
    }
    rows.push(row);
  }

  process.stdout.write(report(rows, gop, audio));
  const file = writeResult('rtmp-whep', { bench: 'rtmp-whep', at: new Date().toISOString(), machine: describeMachine(), gop, audio, rows }, values['json'] as string | undefined);
  say(`result written to ${file}`);
  const failed = rows.flatMap((r) => (['cold', 'warm'] as const).filter((k) => r[k].failed > 0).map((k) => `${r.source} ${k}: ${r[k].failed} (${r[k].firstError})`));
  if (failed.length > 0) throw new Error(`joins without a frame — ${failed.join('; ')}`);
  const blind = rows.filter((r) => r.latencies.some((l) => l.frames === 0)).map((r) => r.source);
  if (blind.length > 0) throw new Error(`no clock could be read in ${blind.join(', ')}: is the barcode visible?`);
});
