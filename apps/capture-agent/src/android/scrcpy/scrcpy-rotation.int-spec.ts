import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capturePublishArgs } from '@mediaplane/media-plan';
import { FakeAdbServer, execFileAsync, fakeScrcpyServerJar, ffprobeFrames, waitFor } from '@mediaplane/testing';
import type { AndroidDeviceSource } from '../android-device-source';
import { record, source } from '../testing/android-feed-testing';
import { SCRCPY_SERVER_VERSION } from './scrcpy-protocol';

const BOX = { width: 160, height: 320 };

/** One decoded frame of the file as 8-bit luma rows (first or last frame). */
async function lumaRows(file: string, which: 'first' | 'last'): Promise<number[]> {
  const seek = which === 'last' ? ['-sseof', '-0.5'] : [];
  const { stdout } = await execFileAsync('ffmpeg', ['-v', 'error', ...seek, '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], {
    encoding: 'buffer',
    maxBuffer: 4 * 1024 * 1024,
  });
  const pixels = stdout as unknown as Buffer;
  expect(pixels.length).toBe(BOX.width * BOX.height);
  const rows: number[] = [];
  for (let y = 0; y < BOX.height; y++) {
    let sum = 0;
    for (let x = 0; x < BOX.width; x++) sum += pixels[y * BOX.width + x] as number;
    rows.push(sum / BOX.width);
  }
  return rows;
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * A turned device through the agent's encode path (passthrough off): scrcpy restarts its encoder at the landscape
 * size, and the publish run's scale+pad keeps the output at the requested portrait size with the picture's aspect
 * kept — black bands above and below instead of a stretched or resized stream.
 */
describe('a rotating Android device captured with scrcpy, re-encoded', () => {
  let fake: FakeAdbServer;
  let src: AndroidDeviceSource | undefined;
  let dir: string;

  beforeEach(async () => {
    fake = await FakeAdbServer.start();
    dir = mkdtempSync(join(tmpdir(), 'scrcpy-rotation-'));
  });
  afterEach(async () => {
    await src?.stop();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the output size constant and letterboxes the turned picture', async () => {
    const fps = 15;
    const jar = join(dir, 'scrcpy-server.jar');
    writeFileSync(jar, fakeScrcpyServerJar(SCRCPY_SERVER_VERSION));
    fake.plug('ROT0001', { ...BOX, fps });
    src = source(fake.port, { scrcpyJar: jar });
    await src.start();
    await waitFor(() => src?.list().length === 1, { what: 'the device' });
    const feed = await src.openCapture('android-ROT0001', { ...BOX, fps, bitrateKbps: 300 });
    const out = join(dir, 'out.flv');
    const args = capturePublishArgs({
      inputArgs: feed.inputArgs,
      videoIsH264: feed.videoIsH264,
      allowPassthrough: false,
      stdinInput: true,
      x264Preset: 'ultrafast',
      quality: { ...BOX, fps, bitrateKbps: 300 },
      output: 'rtmp',
      url: out,
    });
    const ffmpeg = spawn('ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    ffmpeg.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    ffmpeg.stdin.on('error', () => undefined);
    const exited = new Promise<number | null>((resolve) => ffmpeg.once('close', resolve));
    const rec = record(feed);
    feed.stdin?.pipe(ffmpeg.stdin);
    await waitFor(() => rec.arrivals.length >= fps * 1.5, { what: 'portrait frames', timeoutMs: 15_000 });
    fake.rotate('ROT0001', 90);
    await waitFor(() => (fake.scrcpyServers('ROT0001')[0]?.videoSizes.length ?? 0) >= 2, { what: 'the encoder restarted turned' });
    const turnedAt = rec.arrivals.length;
    await waitFor(() => rec.arrivals.length >= turnedAt + fps * 2, { what: 'landscape frames', timeoutMs: 15_000 });
    await feed.stop();
    expect(await exited).toBe(0);
    expect(fake.scrcpyServers('ROT0001')[0]?.videoSizes).toEqual([
      { width: 160, height: 320 },
      { width: 320, height: 160 },
    ]);
    // Every published frame has the requested size, before and after the turn.
    const frames = await ffprobeFrames(out, ['-select_streams', 'v']);
    expect(frames.length).toBeGreaterThan(fps * 3);
    expect(new Set(frames.map((f) => `${f['width']}x${f['height']}`))).toEqual(new Set([`${BOX.width}x${BOX.height}`]));
    // Before: the picture fills the box. After: 320x160 fits as 160x80 in the middle, black (luma 16) above and below.
    const before = await lumaRows(out, 'first');
    const after = await lumaRows(out, 'last');
    const band = (rows: number[], from: number, to: number) => mean(rows.slice(from, to));
    expect(band(before, 0, 100)).toBeGreaterThan(30);
    expect(band(after, 0, 100)).toBeLessThan(24);
    expect(band(after, 220, 320)).toBeLessThan(24);
    expect(band(after, 130, 190)).toBeGreaterThan(30);
    expect(stderr).not.toMatch(/Error|Invalid/);
  });
});
