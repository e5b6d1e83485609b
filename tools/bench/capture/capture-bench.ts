// Capture agent figures (issue 12), every process real on loopback: control
// plane, a mediasoup SFU, an ingest, the compiled capture agent and a fake adb
// server (libs/testing) whose devices' screenrecord burns the wall clock into
// the picture as a barcode (`clockBarcode`).
//   1. capture-to-glass: a fake Android device captured through the API
//      (output whip, 720p) — fake device → adb → agent (H.264 passthrough) →
//      WHIP → SFU → WHEP → Chromium, which reads the clock of every presented
//      frame — once for a screenrecord device (Android 4.4, video only) and
//      once for a scrcpy-server device (Android 14: video and its raw audio,
//      which a Chromium viewer lip-syncs with the picture); beside them, as the
//      reference, the same machine's RTMP ingest glass-to-glass (a clock
//      publisher → ingest → SFU bridge → WHEP).
//   2. agent CPU per device at 720p30: N devices captured at once, CPU of the
//      agent's Node process + its FFmpeg children (/proc) over a window ÷ N.
//      Those devices play one pre-encoded clip (`screenrecordClip`) by default,
//      so dozens fit on the machine beside the agent (each live-encoding device
//      costs an x264 encoder).
//   3. devices per agent: the largest N whose captures were all live.
// Usage: node tools/bench/run.cjs capture [--devices 1,4] [--seconds 10] [--window 10] [--output whip|rtmp] [--adaptive off|on] [--device-source clip|encode]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeAdbServer, encodeScreenrecordClip, fakeScrcpyServerJar, freePort, launchChromium, sleep, waitFor } from '@mediaplane/testing';
import { numberArg, parseBenchArgs } from '../common/bench-args';
import { startBenchApp, type BenchApp } from '../common/bench-app';
import { describeMachine } from '../common/bench-context';
import { runBench } from '../common/bench-lifecycle';
import { childrenUsage, machineUsage, processUsage } from '../common/proc-stats';
import { say } from '../common/progress';
import { metricSum } from '../common/prometheus-metric';
import { fmt, formatTable, writeResult } from '../common/report-table';
import { measureRtmpWhepLatency, type RtmpWhepLatency } from '../common/rtmp-whep-latency';
import { SfuBenchPlatform, benchEngines, type BenchSfu } from '../common/sfu-bench-platform';
import { joinOnceLive, sampleWhepClock, type WhepClockLatency } from '../common/whep-clock-latency';
import { ClockPlayerPage } from '../sfu-latency/clock-pages';

const USAGE = `usage: node tools/bench/run.cjs capture [options]

  --devices LIST     device counts for the CPU points, comma-separated (default 1,4)
  --seconds S        capture-to-glass sampling after a 3 s warm-up (default 10; a loaded box presents ~15-25 fps)
  --frames N         capture-to-glass goes on in --seconds steps until N clocks were read (default 100; up to 6 × --seconds)
  --window S         CPU window per point, after every capture is live and 3 s of settling (default 10)
  --output O         whip (default) or rtmp, for the CPU points
  --adaptive on|off  the agent's WHIP adaptive quality (default off: the figures are for 720p30; on, the
                     agent may step down on the loss it sees — the report counts the steps)
  --device-source S  the CPU points' devices: clip (default; each plays one pre-encoded 720p30 H.264 clip, copied,
                     so a device costs the machine almost nothing) or encode (each runs its own x264 encoder)
  --json FILE        write the result here (default tmp/bench/capture-<time>.json and capture-latest.json)
  --no-build         (run.cjs) do not recompile the apps`;

/** The fake devices' screen: landscape 1280x720 at 30 fps, so the 720p preset records it 1:1. */
const SCREEN = { width: 1280, height: 720, fps: 30 } as const;
/**
 * The screenrecord devices' Android version: with a scrcpy-server jar configured the agent uses scrcpy on 5.0+
 * (sdk 21), so these stay on screenrecord (4.4 has it) and keep their figures comparable to earlier runs.
 */
const SCREENRECORD_SDK = 19;
/** The scrcpy device's: Android 14, so scrcpy-server also captures its audio (11+). */
const SCRCPY_SDK = 34;
/** The version of the fake scrcpy-server jar the agent is given (the one it speaks). */
const SCRCPY_VERSION = '3.3.1';

/** The clip the CPU points' devices play: about what the 720p preset asks screenrecord for. */
const CLIP = { ...SCREEN, seconds: 20, bitrateKbps: 2500 } as const;

interface Capture {
  streamId: string;
  output: string;
  playback: { whep: string };
}
interface StreamView {
  live: boolean;
  state: { bitrateKbps: number } | null;
}
/** A fake device whose picture carries the wall clock, measured capture-to-glass. */
interface ClockDevice {
  serial: string;
  path: string;
  sdk: number;
}
interface DeviceView {
  id: string;
  capture?: { state: string; output: string };
}

export interface CpuPoint {
  devices: number;
  output: string;
  /** Captures live at the end of the window: the agent's device state and the platform's stream (live, bitrate > 0). */
  served: number;
  /** The platform's measured bitrate of each stream at the end of the window, kb/s (0: not live). */
  bitratesKbps: number[];
  /** Adaptive quality changes the agent made during the window (all devices). */
  adaptiveChanges: number;
  windowSeconds: number;
  /** utime+stime per second of the agent's Node process, its FFmpeg children, and both, in cores. */
  agentNodeCores: number;
  agentFfmpegCores: number;
  agentCores: number;
  coresPerDevice: number;
  /** FFmpeg processes the agent ran in the window. */
  ffmpegProcesses: number;
  /** The whole machine's busy cores over the window (other work on a shared box). */
  machineBusyCores: number;
  fps: number[];
}

export interface CaptureBenchResult {
  bench: 'capture';
  at: string;
  machine: ReturnType<typeof describeMachine>;
  latency: Array<{ path: string; viewers: number; adaptiveChanges: number } & WhepClockLatency>;
  adaptive: 'on' | 'off';
  reference?: RtmpWhepLatency;
  cpu: CpuPoint[];
  devicesPerAgent: { served: number; asked: number };
  deviceSource: 'clip' | 'encode';
}

runBench(async (bench) => {
  const { values } = parseBenchArgs(USAGE, {
    devices: { type: 'string' },
    seconds: { type: 'string' },
    frames: { type: 'string' },
    window: { type: 'string' },
    output: { type: 'string' },
    adaptive: { type: 'string' },
    'device-source': { type: 'string' },
    json: { type: 'string' },
  });
  const seconds = numberArg(values, 'seconds', 10, { min: 1, max: 600 });
  const minFrames = numberArg(values, 'frames', 100, { min: 1, max: 100_000, integer: true });
  const windowSeconds = numberArg(values, 'window', 10, { min: 1, max: 600 });
  const counts = String(values['devices'] ?? '1,4')
    .split(',')
    .map((v) => Number(v.trim()));
  if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) throw new Error(`--devices: integers 1..64, got ${String(values['devices'])}`);
  const output = String(values['output'] ?? 'whip');
  if (output !== 'whip' && output !== 'rtmp') throw new Error(`--output: whip or rtmp, got ${output}`);
  const adaptive = String(values['adaptive'] ?? 'off');
  if (adaptive !== 'on' && adaptive !== 'off') throw new Error(`--adaptive: on or off, got ${adaptive}`);
  const deviceSource = String(values['device-source'] ?? 'clip');
  if (deviceSource !== 'clip' && deviceSource !== 'encode') throw new Error(`--device-source: clip or encode, got ${deviceSource}`);
  const { engines, skipped } = benchEngines(['mediasoup']);
  if (engines.length === 0) throw new Error(`the WHEP viewer and the RTMP bridge need mediasoup: ${skipped.join('; ')}`);

  say('starting the control plane, a mediasoup SFU, an ingest, a fake adb server and the capture agent…');
  const rtmpPort = await freePort();
  const platform = await SfuBenchPlatform.start(['mediasoup'], {
    rtcPorts: 200,
    publicUrls: true,
    controlPlaneEnv: { MEDIAPLANE_PUBLIC_RTMP_URL: `rtmp://127.0.0.1:${rtmpPort}/live` },
  });
  bench.defer('platform', () => platform.stop());
  const sfu = platform.sfus[0] as BenchSfu;
  const ingest = await startBenchApp('ingest', await freePort(), {
    ...platform.env,
    INGEST_RTMP_PORT: String(rtmpPort),
    INGEST_SRT_PORT: String(await freePort()),
  });
  bench.defer('ingest', async () => {
    await ingest.stop();
  });
  const adb = await FakeAdbServer.start();
  bench.defer('fake adb', () => adb.close());
  const maxDevices = Math.max(...counts);
  const serial = (name: string) => `${name}${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
  // The capture-to-glass devices encode live (their pictures carry the wall clock); the CPU points' devices play a clip.
  const clockDevices: ClockDevice[] = [
    { serial: serial('CLOCK'), path: 'android (screenrecord) → agent → WHIP → SFU → WHEP', sdk: SCREENRECORD_SDK },
    { serial: serial('SCRCPY'), path: 'android (scrcpy-server, + audio) → agent → WHIP → SFU → WHEP', sdk: SCRCPY_SDK },
  ];
  for (const d of clockDevices) adb.plug(d.serial, { model: 'Bench Clock Tablet', ...SCREEN, sdk: d.sdk, clockBarcode: true });
  const dir = mkdtempSync(join(tmpdir(), 'capture-bench-'));
  bench.defer('bench files', () => rmSync(dir, { recursive: true, force: true }));
  const scrcpyJar = join(dir, 'scrcpy-server.jar');
  writeFileSync(scrcpyJar, fakeScrcpyServerJar(SCRCPY_VERSION));
  let screenrecordClip = '';
  if (deviceSource === 'clip') {
    say(`encoding the devices' ${CLIP.seconds} s clip (${CLIP.width}x${CLIP.height} ${CLIP.fps} fps, ${CLIP.bitrateKbps} kb/s)…`);
    screenrecordClip = await encodeScreenrecordClip(join(dir, 'screen.ts'), CLIP);
  }
  const serials = Array.from({ length: maxDevices }, (_, i) => serial(`BENCH${i}`));
  for (const s of serials) adb.plug(s, { model: 'Bench Tablet', ...SCREEN, sdk: SCREENRECORD_SDK, screenrecordClip });
  const agentId = `bench-agent-${Math.random().toString(36).slice(2, 8)}`;
  const agent = await startBenchApp('capture-agent', await freePort(), {
    ...platform.env,
    MEDIAPLANE_INSTANCE_ID: agentId,
    DISPLAY: '',
    CAPTURE_AGENT_DISPLAYS: '',
    CAPTURE_AGENT_CAMERAS: 'false',
    CAPTURE_AGENT_ADB_PORT: String(adb.port),
    CAPTURE_AGENT_SCRCPY_JAR: scrcpyJar,
    CAPTURE_AGENT_WHIP_ICE_ADDRESS: '127.0.0.1',
    // Loopback REMB and RTT swing with CPU load on a shared box; loss is the signal that means something here.
    CAPTURE_AGENT_ADAPTIVE_SIGNALS: 'loss',
    CAPTURE_AGENT_ADAPTIVE: adaptive === 'on' ? 'true' : 'false',
  });
  bench.defer('capture agent', async () => {
    await agent.stop();
  });
  const ids = serials.map((s) => `android-${s}`);
  const clockIds = clockDevices.map((d) => `android-${d.serial}`);
  const devices = async () => (await platform.adminApi<{ devices: DeviceView[] }>('GET', '/devices')).devices;
  await waitFor(async () => (await devices()).filter((d) => ids.includes(d.id) || clockIds.includes(d.id)).length === ids.length + clockIds.length, {
    timeoutMs: 60_000,
    what: `${ids.length + clockIds.length} fake devices listed`,
  });
  const browser = await launchChromium({ webrtc: true });
  bench.defer('chromium', () => browser.close());

  // 1. Capture-to-glass of each clock device, then the RTMP reference on the same SFU.
  const latency: CaptureBenchResult['latency'] = [];
  for (const [i, device] of clockDevices.entries()) {
    const id = clockIds[i] as string;
    say(`capture-to-glass: ${id} (${device.path}) at 720p over WHIP, one WHEP viewer, ${seconds} s…`);
    const started = await platform.adminApi<Capture>('POST', `/devices/${id}/capture`, { output: 'whip', quality: { preset: '720p' } });
    const context = await browser.newContext();
    try {
      const player = await ClockPlayerPage.open(await context.newPage(), `${sfu.app.httpUrl}/readyz`);
      // screenrecord's GOP is 10 s: a first join may wait for the next keyframe.
      const joined = await joinOnceLive(player, started.playback.whep, `the fake device capture ${id}`, { joinTimeoutMs: 15_000, timeoutMs: 60_000 });
      await sleep(3000);
      const changesBefore = await metricSum(agent.httpUrl, 'mediaplane_capture_adaptive_changes_total');
      // At least 100 frames: a stream that freezes is sampled longer (up to 6× --seconds), and the report says how long.
      const clock = await sampleWhepClock(player, joined.id as number, seconds * 1000, 1, { minFrames: minFrames, maxMs: 6 * seconds * 1000 });
      const adaptiveChanges = (await metricSum(agent.httpUrl, 'mediaplane_capture_adaptive_changes_total')) - changesBefore;
      latency.push({ path: device.path, viewers: 1, adaptiveChanges, ...clock });
      await player.leave(joined.id as number);
    } finally {
      await context.close().catch(() => undefined);
      await platform.adminApi('DELETE', `/devices/${id}/capture`);
    }
  }
  say(`reference: RTMP ingest glass-to-glass (clock publisher → ingest → SFU bridge passthrough → WHEP), ${seconds} s…`);
  const reference = await measureRtmpWhepLatency(browser, platform, sfu, rtmpPort, {
    name: 'reference',
    seconds,
    gop: 2,
    fps: 30,
    encoderArgs: ['-profile:v', 'baseline'],
    publisher: 'live',
    lipSync: true,
  });

  // 2 + 3. CPU per device and devices per agent.
  const cpu: CpuPoint[] = [];
  for (const n of counts) {
    say(`CPU: ${n} device(s) at 720p over ${output}, device source ${deviceSource}…`);
    cpu.push(await measureCpu(platform, agent, ids.slice(0, n), { output, windowSeconds, devices }));
  }
  const servedAll = cpu.filter((p) => p.served === p.devices).map((p) => p.devices);
  const devicesPerAgent = { served: servedAll.length > 0 ? Math.max(...servedAll) : 0, asked: maxDevices };

  const result: CaptureBenchResult = {
    bench: 'capture',
    at: new Date().toISOString(),
    machine: describeMachine(),
    adaptive,
    latency,
    reference,
    cpu,
    devicesPerAgent,
    deviceSource,
  };
  process.stdout.write(report(result));
  const file = writeResult('capture', result, values['json'] as string | undefined);
  say(`result written to ${file}`);
  const unserved = cpu.filter((p) => p.served < p.devices).map((p) => `${p.served}/${p.devices} live at ${p.devices}`);
  if (unserved.length > 0) throw new Error(`captures asked for that never went live: ${unserved.join('; ')}`);
  const blind = latency.filter((l) => l.frames === 0).map((l) => l.path);
  if (blind.length > 0 || reference.frames === 0)
    throw new Error(`no clock read in ${[...blind, ...(reference.frames === 0 ? ['the RTMP reference'] : [])].join(', ')}`);
});

async function measureCpu(
  platform: SfuBenchPlatform,
  agent: BenchApp,
  ids: string[],
  options: { output: string; windowSeconds: number; devices: () => Promise<DeviceView[]> },
): Promise<CpuPoint> {
  const fpsOf = async (id: string): Promise<number> => {
    const text = await (await fetch(`${agent.httpUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('mediaplane_capture_fps{') && l.includes(`device="${id}"`));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };
  const changes = () => metricSum(agent.httpUrl, 'mediaplane_capture_adaptive_changes_total');
  const streamIds: string[] = [];
  try {
    // Every capture is asked for at once: the API answering 201 is not "live", the device state and the FFmpeg progress are.
    const started = await Promise.all(
      ids.map((id) => platform.adminApi<Capture>('POST', `/devices/${id}/capture`, { output: options.output, quality: { preset: '720p' } })),
    );
    streamIds.push(...started.map((c) => c.streamId));
    await waitFor(async () => (await options.devices()).filter((d) => ids.includes(d.id) && d.capture?.state === 'live').length === ids.length, {
      timeoutMs: 60_000,
      what: `${ids.length} captures live`,
    }).catch(() => undefined);
    await sleep(3000);
    const pid = agent.child.pid as number;
    const changesBefore = await changes();
    const before = { node: processUsage(pid), ffmpeg: childrenUsage(pid, 'ffmpeg'), machine: machineUsage(), at: performance.now() };
    const pids = new Set<number>(before.ffmpeg.pids);
    const ticker = setInterval(() => childrenUsage(pid, 'ffmpeg').pids.forEach((p) => pids.add(p)), 1000);
    await sleep(options.windowSeconds * 1000);
    clearInterval(ticker);
    const after = { node: processUsage(pid), ffmpeg: childrenUsage(pid, 'ffmpeg'), machine: machineUsage(), at: performance.now() };
    const s = (after.at - before.at) / 1000;
    const fps = await Promise.all(ids.map(fpsOf));
    const live = new Set((await options.devices()).filter((d) => d.capture?.state === 'live').map((d) => d.id));
    const streams = await Promise.all(streamIds.map((id) => platform.adminApi<StreamView>('GET', `/streams/${id}`)));
    const bitratesKbps = streams.map((st) => (st.live ? (st.state?.bitrateKbps ?? 0) : 0));
    const served = ids.filter((id, i) => live.has(id) && (bitratesKbps[i] ?? 0) > 0).length;
    const adaptiveChanges = (await changes()) - changesBefore;
    const nodeCores = (after.node.cpuSeconds - before.node.cpuSeconds) / s;
    // FFmpeg children found by parent pid (childrenUsage), read in the same instant as the Node process.
    const ffmpegCores = (after.ffmpeg.cpuSeconds - before.ffmpeg.cpuSeconds) / s;
    return {
      devices: ids.length,
      output: options.output,
      served,
      bitratesKbps,
      adaptiveChanges,
      windowSeconds: s,
      agentNodeCores: nodeCores,
      // A child that exited inside the window takes its CPU out of /proc with it (none should: every capture runs throughout).
      agentFfmpegCores: ffmpegCores,
      agentCores: nodeCores + ffmpegCores,
      coresPerDevice: (nodeCores + ffmpegCores) / ids.length,
      ffmpegProcesses: pids.size,
      machineBusyCores: (after.machine.cpuSeconds - before.machine.cpuSeconds) / s,
      fps,
    };
  } finally {
    await Promise.all(ids.map((id) => platform.adminApi('DELETE', `/devices/${id}/capture`).catch(() => undefined)));
    await waitFor(async () => (await options.devices()).filter((d) => ids.includes(d.id) && d.capture?.state === 'live').length === 0, {
      timeoutMs: 30_000,
      what: 'captures stopped',
    }).catch(() => undefined);
  }
}

function report(r: CaptureBenchResult): string {
  const m = r.machine;
  const ref = r.reference;
  const row = (path: string, l: WhepClockLatency, steps: string): string[] => [
    path,
    '1',
    String(l.frames),
    String(l.unreadable),
    fmt(l.latencyMs.p50, 0),
    fmt(l.latencyMs.p95, 0),
    fmt(l.latencyMs.max, 0),
    fmt(l.presentedFps, 1),
    fmt(l.sampledSeconds, 0),
    steps,
  ];
  const rows = [
    ...r.latency.map((l) => row(l.path, l, String(l.adaptiveChanges))),
    ...(ref ? [row('reference: RTMP ingest → SFU bridge → WHEP', ref, '-')] : []),
  ];
  const ratios =
    ref && ref.latencyMs.p50 > 0
      ? r.latency.map(
          (l) => `${l.path} ÷ RTMP reference: p50 ${fmt(l.latencyMs.p50 / ref.latencyMs.p50, 2)}×, p95 ${fmt(l.latencyMs.p95 / ref.latencyMs.p95, 2)}×`,
        )
      : [];
  return [
    `CAPTURE-TO-GLASS — fake Android devices (screenrecord, and scrcpy-server with raw 48 kHz audio; H.264 ${SCREEN.width}x${SCREEN.height} ${SCREEN.fps} fps, wall clock burned in by the device's FFmpeg, 1 ms) → adb → capture agent (passthrough) → WHIP → mediasoup → WHEP → Chromium, loopback`,
    `machine: ${m.cpus} × ${m.cpuModel}, load ${m.loadavgAtStart.map((l) => l.toFixed(2)).join(' ')}; agent adaptive quality ${r.adaptive}`,
    '',
    formatTable(['path', 'viewers', 'frames read', 'unreadable', 'p50 ms', 'p95 ms', 'max ms', 'presented fps', 'sampled s', 'adaptive steps'], rows),
    ...ratios,
    "Latency = Chromium presentation (requestVideoFrameCallback) − the clock drawn when the fake device's FFmpeg filtered the frame (before its x264 encode).",
    '',
    `AGENT CPU PER DEVICE — N fake devices captured at the 720p preset (1280x720 30 fps) over ${r.cpu[0]?.output ?? '-'}; the agent's Node process + its FFmpeg children (/proc) over the window`,
    '',
    formatTable(
      [
        'devices',
        'served',
        'agent cores',
        'node',
        'ffmpeg',
        'cores/device',
        'ffmpeg procs',
        'agent fps min–max',
        'platform kb/s min–max',
        'adaptive steps',
        'machine busy cores',
        'window s',
      ],
      r.cpu.map((p) => [
        String(p.devices),
        `${p.served}/${p.devices}`,
        fmt(p.agentCores, 3),
        fmt(p.agentNodeCores, 3),
        fmt(p.agentFfmpegCores, 3),
        fmt(p.coresPerDevice, 3),
        String(p.ffmpegProcesses),
        spread(p.fps),
        spread(p.bitratesKbps),
        String(p.adaptiveChanges),
        fmt(p.machineBusyCores, 2),
        fmt(p.windowSeconds, 1),
      ]),
    ),
    `served = at the end of the window the agent lists the capture live AND the platform's stream is live with a measured bitrate > 0 (GET /api/v1/streams/{id}). agent fps = mediaplane_capture_fps. ${
      r.deviceSource === 'clip'
        ? "The devices play one pre-encoded clip (FFmpeg -c copy, ~nothing each): the machine's cores are the agent's and the platform's."
        : "The fake devices' own encoders (x264) run in the bench, not the agent, on the same cores."
    }`,
    '',
    `DEVICES PER AGENT — largest N run with every capture live: served ${r.devicesPerAgent.served}/${r.devicesPerAgent.served} (asked up to ${r.devicesPerAgent.asked})`,
    '',
  ].join('\n');
}

/** "min–max" of per-device figures (dozens of devices do not fit a column one by one). */
function spread(values: number[]): string {
  if (values.length === 0) return '-';
  const [min, max] = [Math.min(...values), Math.max(...values)];
  return min === max ? fmt(min, 0) : `${fmt(min, 0)}–${fmt(max, 0)}`;
}
