import { spawn } from 'node:child_process';
import { H264AccessUnitScanner } from '@mediaplane/codecs';
import { FakeAdbServer, waitFor } from '@mediaplane/testing';
import type { CaptureFeed, DeviceInfo } from '../devices/device-source';
import type { AndroidDeviceSource } from './android-device-source';
import { decode, record, source } from './testing/android-feed-testing';

describe('AndroidDeviceSource (with the fake adb server)', () => {
  let fake: FakeAdbServer;
  let src: AndroidDeviceSource;
  const feeds: CaptureFeed[] = [];

  beforeEach(async () => {
    fake = await FakeAdbServer.start();
  });
  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((f) => f.stop()));
    await src?.stop();
    await fake.close();
  });

  it('discovers plugged devices with model and screen size, and sees plug and unplug', async () => {
    fake.plug('FAKE0001', { model: 'Pixel 7', width: 1080, height: 2400 });
    src = source(fake.port);
    const added: DeviceInfo[] = [];
    const removed: string[] = [];
    src.on('added', (d) => added.push(d));
    src.on('removed', (id) => removed.push(id));
    await src.start();
    await waitFor(() => src.list().length === 1, { what: 'the first device', timeoutMs: 5000 });
    expect(src.list()[0]).toEqual({
      id: 'android-FAKE0001',
      kind: 'android',
      name: 'Pixel 7',
      model: 'Pixel 7',
      screen: { width: 1080, height: 2400 },
      capabilities: { input: true, audio: false },
    });
    const plugged = Date.now();
    fake.plug('10.0.0.7:5555', { model: 'Galaxy Tab', width: 1600, height: 2560 });
    await waitFor(() => added.length === 2, { what: 'the hot-plugged device', timeoutMs: 5000, intervalMs: 20 });
    const plugMs = Date.now() - plugged;
    expect(added[1]).toMatchObject({ id: expect.stringMatching(/^android-10-0-0-7-5555-[0-9a-f]{6}$/), name: 'Galaxy Tab' });
    const unplugged = Date.now();
    fake.unplug('FAKE0001');
    await waitFor(() => removed.length === 1, { what: 'the unplug', timeoutMs: 5000, intervalMs: 20 });
    const unplugMs = Date.now() - unplugged;
    expect(removed).toEqual(['android-FAKE0001']);
    // Hot-plug is pushed by host:track-devices, not polled: well within a couple of seconds.
    expect(plugMs).toBeLessThan(2000);
    expect(unplugMs).toBeLessThan(2000);
  });

  it('captures decodable H.264 from screenrecord (exec:, binary-safe) of the requested size', async () => {
    fake.plug('FAKE0001', { width: 320, height: 640, fps: 15 });
    src = source(fake.port);
    await src.start();
    await waitFor(() => src.list().length === 1, { what: 'the device' });
    const feed = await src.openCapture('android-FAKE0001', { width: 160, height: 320, fps: 15, bitrateKbps: 400 });
    feeds.push(feed);
    expect(feed.videoIsH264).toBe(true);
    const rec = record(feed);
    // FFmpeg reads the feed live with the feed's own input arguments (wall-clock stamps).
    const live = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...feed.inputArgs, '-fps_mode', 'passthrough', '-f', 'framemd5', '-'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let liveOut = '';
    live.stdout.on('data', (d: Buffer) => (liveOut += d.toString()));
    live.stdin.on('error', () => undefined);
    feed.stdin?.pipe(live.stdin);
    const liveClosed = new Promise((resolve) => live.on('close', resolve));
    await waitFor(() => rec.arrivals.length >= 30, { what: '30 frames', timeoutMs: 15_000 });
    await feed.stop();
    await liveClosed;
    expect(liveOut.split('\n').filter((l) => /^\d+,/.test(l)).length).toBeGreaterThanOrEqual(29);
    const runs = fake.screenrecordRuns('FAKE0001');
    expect(runs[0]?.argv).toEqual(['screenrecord', '--output-format=h264', '--size', '160x320', '--bit-rate', '400000', '--time-limit', '180', '-']);
    const { frames, errors } = await decode(rec.bytes(), ['-f', 'h264', '-i', 'pipe:0']);
    expect(errors).toBe('');
    expect(frames).toBeGreaterThanOrEqual(29);
  });

  it('restarts screenrecord at its time limit without a pause: the runs continue one stream (hand-over gap printed)', async () => {
    const fps = 15;
    fake.plug('FAKE0001', { width: 160, height: 320, fps, screenrecordTimeLimitS: 3 });
    src = source(fake.port, { screenrecordTimeLimitS: 3, screenrecordOverlapMs: 1500 });
    await src.start();
    await waitFor(() => src.list().length === 1, { what: 'the device' });
    const feed = await src.openCapture('android-FAKE0001', { width: 160, height: 320, fps, bitrateKbps: 300 });
    feeds.push(feed);
    const rec = record(feed);
    let ended: string | undefined;
    feed.on('ended', (r) => (ended = r));
    // Three time limits pass: at least two hand-overs.
    await waitFor(
      () =>
        fake.screenrecordRuns('FAKE0001').filter((r) => r.endReason !== undefined).length >= 2 &&
        rec.arrivals.length > 0 &&
        Date.now() - (rec.arrivals[0] as number) > 7500,
      {
        what: 'two hand-overs',
        timeoutMs: 30_000,
      },
    );
    const arrivals = [...rec.arrivals];
    await feed.stop();
    expect(ended).toBeUndefined();
    const gaps = arrivals.slice(1).map((t, i) => ({ from: arrivals[i] as number, ms: t - (arrivals[i] as number) }));
    // A hand-over lies between the next run's start and the moment the agent cut the previous run.
    const runs = fake.screenrecordRuns('FAKE0001');
    const handovers = runs.slice(1).map((next, k) => ({ from: next.startedAt, to: (runs[k]?.endedAt ?? Number.POSITIVE_INFINITY) + 300 }));
    const atHandover = (g: { from: number; ms: number }) => handovers.some((h) => g.from + g.ms >= h.from && g.from <= h.to);
    const handoverGap = Math.max(0, ...gaps.filter(atHandover).map((g) => g.ms));
    const steadyGap = Math.max(0, ...gaps.filter((g) => !atHandover(g)).map((g) => g.ms));
    const budget = 1000 / fps + 200;
    // Printed for the report: the worst gap across the hand-overs, and away from them.
    process.stdout.write(
      `screenrecord restarts: runs=${runs.length} frames=${arrivals.length} handoverGapMs=${handoverGap} steadyGapMs=${steadyGap} budgetMs=${budget.toFixed(0)}\n`,
    );
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(gaps.filter(atHandover).length).toBeGreaterThanOrEqual(2);
    // Tests never time wall clocks tightly: on a loaded CI box the fake's own freshly started encoder stutters
    // (280 ms seen at a hand-over, 274 ms inside one run). The printed figure is what the closing note quotes
    // (75 ms on an idle machine, budget 267 ms); this bound catches a hand-over that waits for a restart or
    // loses a GOP (screenrecord's is 10 s), which would show as a gap of a second or more.
    expect(handoverGap).toBeLessThan(1000);
    // The concatenated runs decode as one stream.
    const { frames, errors } = await decode(rec.bytes(), ['-f', 'h264', '-i', 'pipe:0']);
    expect(errors).toBe('');
    expect(frames).toBe(arrivals.length);
  });

  it('makes a keyframe on request by an early seamless hand-over, long before the time limit', async () => {
    const fps = 15;
    fake.plug('FAKE0003', { width: 160, height: 320, fps });
    src = source(fake.port, { screenrecordTimeLimitS: 180 });
    await src.start();
    await waitFor(() => src.list().length === 1, { what: 'the device' });
    const feed = await src.openCapture('android-FAKE0003', { width: 160, height: 320, fps, bitrateKbps: 300 });
    feeds.push(feed);
    const idrs: number[] = [];
    const scanner = new H264AccessUnitScanner();
    const chunks: Buffer[] = [];
    feed.stdin?.on('data', (d: Buffer) => {
      chunks.push(d);
      scanner.push(d);
      // IDR slices (NAL type 5) after a start code: the stream's keyframes as they arrive.
      for (let i = 0; i + 3 < d.length; i++) if (d[i] === 0 && d[i + 1] === 0 && d[i + 2] === 1 && ((d[i + 3] as number) & 0x1f) === 5) idrs.push(Date.now());
    });
    await waitFor(() => idrs.length >= 1 && Date.now() - (idrs[0] as number) > 1500, { what: 'the first run going' });
    const askedAt = Date.now();
    expect(feed.requestKeyframe).toBeDefined();
    feed.requestKeyframe?.();
    // screenrecord's own next keyframe is 10 s (its GOP) after the first; the early hand-over's comes with the new run.
    await waitFor(() => idrs.some((t) => t > askedAt), { what: 'a keyframe after the request', timeoutMs: 8000 });
    process.stdout.write(`screenrecord keyframe on request: ${(idrs.find((t) => t > askedAt) as number) - askedAt} ms\n`);
    expect(fake.screenrecordRuns('FAKE0003').length).toBe(2);
    await feed.stop();
    const { errors } = await decode(Buffer.concat(chunks), ['-f', 'h264', '-i', 'pipe:0']);
    expect(errors).toBe('');
  });

  it('changes quality by a seamless hand-over: the next run records at the new size and bit rate, with no gap', async () => {
    const fps = 15;
    fake.plug('FAKE0004', { width: 160, height: 320, fps });
    src = source(fake.port, { screenrecordTimeLimitS: 180 });
    await src.start();
    await waitFor(() => src.list().length === 1, { what: 'the device' });
    const feed = await src.openCapture('android-FAKE0004', { width: 160, height: 320, fps, bitrateKbps: 300 });
    feeds.push(feed);
    const recorded = record(feed);
    await waitFor(() => recorded.arrivals.length >= fps, { what: 'the first run going' });
    const changedAt = Date.now();
    expect(feed.changeQuality).toBeDefined();
    feed.changeQuality?.({ width: 96, height: 192, fps, bitrateKbps: 150 });
    await waitFor(() => fake.screenrecordRuns('FAKE0004')[0]?.endedAt !== undefined, { what: 'the first run handed over', timeoutMs: 8000 });
    const framesAtHandOver = recorded.arrivals.length;
    await waitFor(() => recorded.arrivals.length >= framesAtHandOver + fps, { what: 'a second of the new run' });
    await feed.stop();
    const runs = fake.screenrecordRuns('FAKE0004');
    expect(runs).toHaveLength(2);
    expect(runs[1]?.argv.join(' ')).toMatch(/--size 96x192 .*--bit-rate 150000/);
    const after = recorded.arrivals.filter((t) => t >= changedAt);
    const gapMs = Math.max(...after.slice(1).map((t, i) => t - (after[i] as number)));
    process.stdout.write(`screenrecord quality change: longest gap between frames around it ${gapMs} ms (one frame ${Math.round(1000 / fps)} ms)\n`);
    // Loose: a loaded machine stretches it; a restart of the run (the old way) left no frames for 0.6-2.9 s.
    expect(gapMs).toBeLessThan(1000);
    // One stream a decoder follows across the size change.
    const { frames, errors } = await decode(recorded.bytes(), ['-f', 'h264', '-i', 'pipe:0']);
    expect(errors).toBe('');
    expect(frames).toBeGreaterThanOrEqual(recorded.arrivals.length - 2);
  });

  it('falls back to screencap PNG frames where screenrecord is missing', async () => {
    fake.plug('FAKE0001', { width: 160, height: 320, screenrecord: false });
    src = source(fake.port);
    await src.start();
    await waitFor(() => src.list().length === 1, { what: 'the device' });
    const feed = await src.openCapture('android-FAKE0001', { width: 160, height: 320, fps: 15, bitrateKbps: 300 });
    feeds.push(feed);
    expect(feed.videoIsH264).toBe(false);
    expect(feed.inputArgs).toContain('image2pipe');
    const chunks: Buffer[] = [];
    feed.stdin?.on('data', (d: Buffer) => chunks.push(d));
    await new Promise((r) => setTimeout(r, 2000));
    await feed.stop();
    const { frames, errors } = await decode(Buffer.concat(chunks), ['-f', 'image2pipe', '-c:v', 'png', '-i', 'pipe:0']);
    expect(errors).toBe('');
    expect(frames).toBeGreaterThanOrEqual(3);
  });

  it('ends a capture when its device is unplugged', async () => {
    fake.plug('FAKE0001', { width: 160, height: 320, fps: 10 });
    src = source(fake.port);
    await src.start();
    await waitFor(() => src.list().length === 1, { what: 'the device' });
    const feed = await src.openCapture('android-FAKE0001', { width: 160, height: 320, fps: 10, bitrateKbps: 300 });
    feeds.push(feed);
    const ended = new Promise<string>((resolve) => feed.on('ended', resolve));
    await new Promise((r) => setTimeout(r, 500));
    fake.unplug('FAKE0001');
    await expect(ended).resolves.toBe('device unplugged');
  });

  it('sends input as the exact input commands, one device failing does not affect another', async () => {
    fake.plug('FAKE0001', { width: 1080, height: 2400 });
    fake.plug('FAKE0002');
    src = source(fake.port);
    await src.start();
    await waitFor(() => src.list().length === 2, { what: 'the devices' });
    const input = src.input('android-FAKE0001');
    expect(input).toBeDefined();
    await input?.tap(100, 200);
    await input?.swipe(10, 20, 30, 40, 300);
    await input?.longPress(50, 60, 1000);
    await input?.text("it's a test; reboot");
    await input?.key('HOME');
    await input?.key(4);
    await expect(input?.text('naïve')).rejects.toThrow(/printable ASCII/);
    expect(fake.inputCommands('FAKE0001').map((c) => c.argv.join(' '))).toEqual([
      'input tap 100 200',
      'input swipe 10 20 30 40 300',
      'input swipe 50 60 50 60 1000',
      "input text it's%sa%stest;%sreboot",
      'input keyevent KEYCODE_HOME',
      'input keyevent 4',
    ]);
    expect(fake.inputCommands('FAKE0002')).toEqual([]);
    // A device that goes away fails only its own commands.
    const other = src.input('android-FAKE0002');
    fake.unplug('FAKE0002');
    await expect(other?.tap(1, 1)).rejects.toThrow();
    await input?.tap(1, 2);
    expect(fake.inputCommands('FAKE0001').at(-1)?.argv).toEqual(['input', 'tap', '1', '2']);
  });

  it('reconnects when the adb server is killed and restarted', async () => {
    fake.plug('FAKE0001');
    src = source(fake.port);
    const removed: string[] = [];
    src.on('removed', (id) => removed.push(id));
    await src.start();
    await waitFor(() => src.list().length === 1, { what: 'the device' });
    const port = fake.port;
    await fake.close();
    await waitFor(() => removed.length === 1, { what: 'the loss of the server', timeoutMs: 5000 });
    expect(src.list()).toEqual([]);
    await new Promise((r) => setTimeout(r, 1500)); // a few failed reconnects while it is down
    fake = await FakeAdbServer.start({ port });
    fake.plug('FAKE0001');
    await waitFor(() => src.list().length === 1, { what: 'the device after the restart', timeoutMs: 10_000 });
    expect(src.connections).toBe(2);
  });
});
