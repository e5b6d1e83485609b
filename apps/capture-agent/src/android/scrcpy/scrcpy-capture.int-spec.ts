import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeAdbServer, fakeScrcpyServerJar, waitFor } from '@mediaplane/testing';
import type { CaptureFeed } from '../../devices/device-source';
import { ScrcpyJarError, type AndroidDeviceSource } from '../android-device-source';
import { decode, record, source } from '../testing/android-feed-testing';
import { SCRCPY_DEVICE_JAR_PATH, SCRCPY_SERVER_VERSION } from './scrcpy-protocol';
import { ScrcpyVersionMismatchError } from './scrcpy-run';

/** IDR slices (NAL type 5) right after a start code in one chunk. */
function idrCount(chunk: Buffer): number {
  let n = 0;
  for (let i = 0; i + 3 < chunk.length; i++) if (chunk[i] === 0 && chunk[i + 1] === 0 && chunk[i + 2] === 1 && ((chunk[i + 3] as number) & 0x1f) === 5) n++;
  return n;
}

describe('AndroidDeviceSource with scrcpy-server (fake adb device running the 3.3.1 protocol)', () => {
  let fake: FakeAdbServer;
  let src: AndroidDeviceSource | undefined;
  let dir: string;
  const feeds: CaptureFeed[] = [];
  const fps = 15;

  function jarFile(content: Buffer, name = 'scrcpy-server.jar'): string {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  }

  async function started(options: Parameters<typeof source>[1]): Promise<AndroidDeviceSource> {
    src = source(fake.port, options);
    await src.start();
    await waitFor(() => src?.list().length === 1, { what: 'the device' });
    return src;
  }

  beforeEach(async () => {
    fake = await FakeAdbServer.start();
    dir = mkdtempSync(join(tmpdir(), 'scrcpy-jar-'));
  });
  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((f) => f.stop()));
    await src?.stop();
    src = undefined;
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pushes the jar, starts the pinned server version and captures decodable H.264 within the quality box', async () => {
    const jar = fakeScrcpyServerJar(SCRCPY_SERVER_VERSION);
    fake.plug('SCR0001', { width: 320, height: 640, fps });
    const s = await started({ scrcpyJar: jarFile(jar) });
    const feed = await s.openCapture('android-SCR0001', { width: 160, height: 320, fps, bitrateKbps: 400 });
    feeds.push(feed);
    expect(feed.videoIsH264).toBe(true);
    expect(s.list()[0]?.capabilities).toEqual({ input: true, audio: true });
    // Android 14: the device's sound comes as raw PCM beside the video, for FFmpeg's pipe:3.
    expect(feed.audioInput?.inputArgs).toEqual(['-f', 's16le', '-ar', '48000', '-ac', '2', '-probesize', '32', '-i', 'pipe:3']);
    let audioBytes = 0;
    feed.audioInput?.stream.on('data', (d: Buffer) => (audioBytes += d.length));
    const rec = record(feed);
    await waitFor(() => rec.arrivals.length >= 20, { what: '20 frames', timeoutMs: 15_000 });
    // 20 frames at 15 fps are over a second: at least half a second of 48 kHz stereo s16le.
    expect(audioBytes).toBeGreaterThan(96_000);
    await feed.stop();
    expect(fake.file('SCR0001', SCRCPY_DEVICE_JAR_PATH)).toEqual(jar);
    const servers = fake.scrcpyServers('SCR0001');
    expect(servers).toHaveLength(1);
    expect(servers[0]).toMatchObject({
      clientVersion: SCRCPY_SERVER_VERSION,
      options: { max_size: '320', max_fps: String(fps), video_bit_rate: '400000', audio: 'true', audio_codec: 'raw', control: 'true' },
    });
    expect(servers[0]?.videoSizes[0]).toEqual({ width: 160, height: 320 });
    expect(fake.screenrecordRuns('SCR0001')).toEqual([]);
    const { frames, errors } = await decode(rec.bytes(), ['-f', 'h264', '-i', 'pipe:0']);
    expect(errors).toBe('');
    expect(frames).toBeGreaterThanOrEqual(20);
    // Stopping the feed ends the server on the device.
    await waitFor(() => fake.scrcpyServers('SCR0001')[0]?.endedAt !== undefined, { what: 'the server to end' });
  });

  it('makes a keyframe on request with RESET_VIDEO in the same run, and follows a rotation', async () => {
    fake.plug('SCR0002', { width: 160, height: 320, fps });
    const s = await started({ scrcpyJar: jarFile(fakeScrcpyServerJar(SCRCPY_SERVER_VERSION)) });
    const feed = await s.openCapture('android-SCR0002', { width: 160, height: 320, fps, bitrateKbps: 300 });
    feeds.push(feed);
    const idrs: number[] = [];
    const chunks: Buffer[] = [];
    feed.stdin?.on('data', (d: Buffer) => {
      chunks.push(d);
      for (let i = idrCount(d); i > 0; i--) idrs.push(Date.now());
    });
    await waitFor(() => idrs.length >= 1 && Date.now() - (idrs[0] as number) > 1000, { what: 'the first keyframe' });
    const askedAt = Date.now();
    feed.requestKeyframe?.();
    // The fake encodes a 10 s GOP like MediaCodec: a keyframe this soon is the requested one.
    await waitFor(() => idrs.some((t) => t > askedAt), { what: 'a keyframe after the request', timeoutMs: 5000 });
    process.stdout.write(`scrcpy keyframe on request: ${(idrs.find((t) => t > askedAt) as number) - askedAt} ms\n`);
    expect(fake.scrcpyServers('SCR0002')).toHaveLength(1);
    expect(fake.scrcpyServers('SCR0002')[0]).toMatchObject({ controlMessageTypes: [17], videoResets: 1 });
    // A rotation restarts the device's encoder at the turned size; the feed goes on with the same server.
    const beforeTurn = idrs.length;
    fake.rotate('SCR0002', 90);
    await waitFor(() => idrs.length > beforeTurn, { what: 'the keyframe after the rotation', timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 500));
    await feed.stop();
    expect(fake.scrcpyServers('SCR0002')[0]?.videoSizes.at(-1)).toEqual({ width: 320, height: 160 });
    const { errors } = await decode(Buffer.concat(chunks), ['-f', 'h264', '-i', 'pipe:0']);
    expect(errors).toBe('');
  });

  it('stops passing H.264 through while the device is turned against the requested box, and passes it again when turned back', async () => {
    fake.plug('SCR0008', { width: 160, height: 320, fps });
    const s = await started({ scrcpyJar: jarFile(fakeScrcpyServerJar(SCRCPY_SERVER_VERSION)) });
    const feed = await s.openCapture('android-SCR0008', { width: 160, height: 320, fps, bitrateKbps: 300 });
    feeds.push(feed);
    let changes = 0;
    feed.on('inputChanged', () => changes++);
    const rec = record(feed);
    await waitFor(() => rec.arrivals.length >= 5, { what: 'portrait frames' });
    expect(feed.videoIsH264).toBe(true);
    fake.rotate('SCR0008', 90);
    await waitFor(() => changes === 1, { what: 'the feed to say its input changed' });
    // 320x160 passed through would change the output's size: the session's next run re-encodes into the 160x320 box.
    expect(feed.videoIsH264).toBe(false);
    fake.rotate('SCR0008', 0);
    await waitFor(() => changes === 2, { what: 'the turn back' });
    expect(feed.videoIsH264).toBe(true);
  });

  it('opens a feed of a device that is already turned as one to re-encode', async () => {
    fake.plug('SCR0009', { width: 160, height: 320, fps });
    fake.rotate('SCR0009', 270);
    const s = await started({ scrcpyJar: jarFile(fakeScrcpyServerJar(SCRCPY_SERVER_VERSION)) });
    const feed = await s.openCapture('android-SCR0009', { width: 160, height: 320, fps, bitrateKbps: 300 });
    feeds.push(feed);
    expect(feed.videoIsH264).toBe(false);
  });

  it('changes quality by handing over to a new server run at the new size and bit rate', async () => {
    fake.plug('SCR0003', { width: 160, height: 320, fps });
    const s = await started({ scrcpyJar: jarFile(fakeScrcpyServerJar(SCRCPY_SERVER_VERSION)) });
    const feed = await s.openCapture('android-SCR0003', { width: 160, height: 320, fps, bitrateKbps: 300 });
    feeds.push(feed);
    const rec = record(feed);
    await waitFor(() => rec.arrivals.length >= fps, { what: 'the first run going' });
    const changedAt = Date.now();
    feed.changeQuality?.({ width: 96, height: 192, fps, bitrateKbps: 150 });
    await waitFor(() => fake.scrcpyServers('SCR0003')[0]?.endedAt !== undefined, { what: 'the first run handed over', timeoutMs: 8000 });
    const framesAtHandOver = rec.arrivals.length;
    await waitFor(() => rec.arrivals.length >= framesAtHandOver + fps, { what: 'a second of the new run' });
    await feed.stop();
    const servers = fake.scrcpyServers('SCR0003');
    expect(servers).toHaveLength(2);
    expect(servers[1]?.options).toMatchObject({ max_size: '192', video_bit_rate: '150000' });
    const after = rec.arrivals.filter((t) => t >= changedAt);
    const gapMs = Math.max(...after.slice(1).map((t, i) => t - (after[i] as number)));
    process.stdout.write(`scrcpy quality change: longest gap between frames around it ${gapMs} ms (one frame ${Math.round(1000 / fps)} ms)\n`);
    expect(gapMs).toBeLessThan(1000);
    const { errors } = await decode(rec.bytes(), ['-f', 'h264', '-i', 'pipe:0']);
    expect(errors).toBe('');
  });

  it('asks no audio of a device before Android 11', async () => {
    fake.plug('SCR0007', { width: 160, height: 320, fps, sdk: 29 });
    const s = await started({ scrcpyJar: jarFile(fakeScrcpyServerJar(SCRCPY_SERVER_VERSION)) });
    expect(s.list()[0]?.capabilities).toEqual({ input: true, audio: false });
    const feed = await s.openCapture('android-SCR0007', { width: 160, height: 320, fps, bitrateKbps: 300 });
    feeds.push(feed);
    const rec = record(feed);
    await waitFor(() => rec.arrivals.length >= 5, { what: 'frames' });
    expect(feed.audioInput).toBeUndefined();
    expect(fake.scrcpyServers('SCR0007')[0]?.options['audio']).toBe('false');
  });

  it('refuses a jar of another scrcpy-server version with a clear error naming both versions', async () => {
    fake.plug('SCR0004', { width: 160, height: 320, fps });
    const s = await started({ scrcpyJar: jarFile(fakeScrcpyServerJar('3.2')) });
    const opening = s.openCapture('android-SCR0004', { width: 160, height: 320, fps, bitrateKbps: 300 });
    await expect(opening).rejects.toThrow(ScrcpyVersionMismatchError);
    await expect(opening).rejects.toThrow(/version 3\.2; this agent speaks 3\.3\.1/);
    expect(fake.scrcpyServers('SCR0004')[0]?.endReason).toBe('version-mismatch');
  });

  it('falls back to screenrecord on a device where the server does not start', async () => {
    fake.plug('SCR0005', { width: 160, height: 320, fps });
    // Not a scrcpy-server jar: app_process cannot find the server class.
    const s = await started({ scrcpyJar: jarFile(Buffer.from('PK\u0003\u0004 not a server')), scrcpyStartTimeoutMs: 3000 });
    const feed = await s.openCapture('android-SCR0005', { width: 160, height: 320, fps, bitrateKbps: 300 });
    feeds.push(feed);
    const rec = record(feed);
    await waitFor(() => rec.arrivals.length >= 5, { what: 'frames from screenrecord' });
    expect(fake.screenrecordRuns('SCR0005')).toHaveLength(1);
  });

  it('uses screenrecord on devices older than Android 5.0', async () => {
    fake.plug('SCR0006', { width: 160, height: 320, fps, sdk: 19 });
    const s = await started({ scrcpyJar: jarFile(fakeScrcpyServerJar(SCRCPY_SERVER_VERSION)) });
    const feed = await s.openCapture('android-SCR0006', { width: 160, height: 320, fps, bitrateKbps: 300 });
    feeds.push(feed);
    await waitFor(() => fake.screenrecordRuns('SCR0006').length === 1, { what: 'screenrecord' });
    expect(fake.file('SCR0006', SCRCPY_DEVICE_JAR_PATH)).toBeUndefined();
  });

  it('refuses to start with a jar whose SHA-256 is not the pinned one, or that cannot be read', async () => {
    const file = jarFile(fakeScrcpyServerJar(SCRCPY_SERVER_VERSION));
    const pinned = createHash('sha256').update('another build').digest('hex');
    await expect(source(fake.port, { scrcpyJar: file, scrcpyJarSha256: pinned }).start()).rejects.toThrow(ScrcpyJarError);
    await expect(source(fake.port, { scrcpyJar: join(dir, 'missing.jar') }).start()).rejects.toThrow(/cannot be used/);
    const right = createHash('sha256').update(fakeScrcpyServerJar(SCRCPY_SERVER_VERSION)).digest('hex');
    src = source(fake.port, { scrcpyJar: file, scrcpyJarSha256: right.toUpperCase() });
    await expect(src.start()).resolves.toBeUndefined();
  });
});
