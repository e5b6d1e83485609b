// A separate process that plays one stream N times (HTTP-FLV, WebSocket-FLV or RTMP) and
// counts what every viewer receives, so the server's CPU can be measured
// without the viewers in it. Driven over IPC (viewer-swarm-process.ts) by the
// fanout bench and, for background load, the latency bench.
import { runConcurrently } from '@mediaplane/testing';
import { FrameTracker } from './frame-tracker';
import { openHttpFlvViewer, openRtmpViewer, openWsFlvViewer, type BenchViewer, type TagListener } from './bench-viewers';
import { classifyTag } from './media-tags';
import { summarize } from './stats';
import { SwarmCommandSchema, SwarmConfigSchema, type SwarmConfig, type SwarmJoined, type SwarmWindow } from './swarm-messages';

interface Seat {
  tracker: FrameTracker;
  bytesAtWindowStart: number;
  viewer?: BenchViewer;
  ended?: string;
}

const JOIN_TIMEOUT_MS = 60_000;

function send(message: SwarmJoined | SwarmWindow): void {
  process.send?.(message);
}

async function open(config: SwarmConfig, seat: Seat): Promise<void> {
  const onTag: TagListener = (type, timestamp, data) => seat.tracker.onTag(classifyTag(type, data), timestamp);
  const viewer =
    config.protocol === 'rtmp'
      ? await openRtmpViewer({ host: config.host, port: config.port, app: config.app, name: config.name }, onTag)
      : config.protocol === 'wsflv'
        ? await openWsFlvViewer(config.url, onTag)
        : await openHttpFlvViewer(config.url, onTag);
  seat.viewer = viewer;
  void viewer.ended.then((reason) => (seat.ended = reason));
}

async function join(config: SwarmConfig, seats: Seat[]): Promise<SwarmJoined> {
  const errors = await runConcurrently(seats, config.concurrency, (seat) => open(config, seat));
  const deadline = Date.now() + JOIN_TIMEOUT_MS;
  while (Date.now() < deadline && seats.some((s) => s.viewer && !s.ended && s.tracker.firstFrameAt === undefined)) await new Promise((r) => setTimeout(r, 100));
  const ttff = seats.map((s) => s.tracker.timeToFirstFrameMs).filter((v): v is number => v !== undefined);
  const summary = summarize(ttff);
  return { type: 'joined', joined: ttff.length, failed: seats.length - ttff.length, firstError: errors[0], ttffP50Ms: summary.p50, ttffP95Ms: summary.p95 };
}

function windowReport(seats: Seat[]): SwarmWindow {
  const report: SwarmWindow = {
    type: 'window',
    alive: 0,
    receiving: 0,
    endedByServer: 0,
    frames: 0,
    expected: 0,
    gapDrops: 0,
    viewersWithDrops: 0,
    minFrames: Infinity,
    maxGapMs: 0,
    discontinuities: 0,
    minMediaSeconds: Infinity,
    wallSeconds: 0,
    bytes: 0,
  };
  for (const seat of seats) {
    if (!seat.viewer) continue;
    const w = seat.tracker.endWindow();
    if (seat.ended) report.endedByServer += seat.ended === 'closed by bench' ? 0 : 1;
    else report.alive += 1;
    report.receiving += w.frames > 0 ? 1 : 0;
    report.frames += w.frames;
    report.expected += w.expected;
    report.gapDrops += w.gapDrops;
    report.viewersWithDrops += w.gapDrops > 0 ? 1 : 0;
    report.minFrames = Math.min(report.minFrames, w.frames);
    report.maxGapMs = Math.max(report.maxGapMs, w.maxGapMs);
    report.discontinuities += w.discontinuities;
    report.minMediaSeconds = Math.min(report.minMediaSeconds, w.mediaSeconds);
    report.wallSeconds = Math.max(report.wallSeconds, w.wallSeconds);
    report.bytes += seat.viewer.bytesReceived - seat.bytesAtWindowStart;
  }
  if (!Number.isFinite(report.minFrames)) report.minFrames = 0;
  if (!Number.isFinite(report.minMediaSeconds)) report.minMediaSeconds = 0;
  return report;
}

function main(): void {
  if (!process.send) throw new Error('viewer-swarm runs as a child of fanout-bench (IPC channel needed)');
  const config = SwarmConfigSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
  const interval = 1000 / config.fps;
  const seats: Seat[] = Array.from({ length: config.count }, () => ({ tracker: new FrameTracker(interval), bytesAtWindowStart: 0 }));
  const stop = (): never => {
    for (const seat of seats) seat.viewer?.close();
    process.exit(0);
  };
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.on('message', (raw) => {
    const command = SwarmCommandSchema.safeParse(raw);
    if (!command.success) return;
    if (command.data.type === 'start-window') {
      for (const seat of seats) {
        seat.tracker.startWindow();
        seat.bytesAtWindowStart = seat.viewer?.bytesReceived ?? 0;
      }
    } else if (command.data.type === 'end-window') send(windowReport(seats));
    else stop();
  });
  void join(config, seats).then(send);
}

main();
