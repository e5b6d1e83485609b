/** Helpers of the Android source's integration specs: a source on a fake adb server, and what its feeds produce. */
import { spawn } from 'node:child_process';
import pino from 'pino';
import { H264AccessUnitScanner } from '@mediaplane/codecs';
import type { CaptureFeed } from '../../devices/device-source';
import { AndroidDeviceSource } from '../android-device-source';

const logger = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

export function source(port: number, overrides: Partial<ConstructorParameters<typeof AndroidDeviceSource>[0]> = {}): AndroidDeviceSource {
  return new AndroidDeviceSource({
    adb: { host: '127.0.0.1', port, commandTimeoutMs: 10_000 },
    reconnect: { initialMs: 200, maxMs: 1000 },
    screenrecordTimeLimitS: 180,
    screenrecordOverlapMs: 1500,
    screencapIntervalMs: 200,
    logger,
    ...overrides,
  });
}

/** Collects a feed's stdin with the arrival time of every access unit (frame) start. */
export function record(feed: CaptureFeed): { bytes: () => Buffer; arrivals: number[] } {
  const chunks: Buffer[] = [];
  const arrivals: number[] = [];
  const scanner = new H264AccessUnitScanner();
  feed.stdin?.on('data', (d: Buffer) => {
    chunks.push(d);
    const now = Date.now();
    for (const _ of scanner.push(d)) arrivals.push(now);
  });
  return { bytes: () => Buffer.concat(chunks), arrivals };
}

/** Runs FFmpeg on the bytes; returns decoded frames and what FFmpeg complained about. */
export function decode(bytes: Buffer, inputArgs: string[]): Promise<{ frames: number; errors: string }> {
  return new Promise((resolve, reject) => {
    const ff = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-stats_period', '0.1', ...inputArgs, '-f', 'framemd5', '-'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    ff.stdout.on('data', (d: Buffer) => (out += d.toString()));
    ff.stderr.on('data', (d: Buffer) => (err += d.toString()));
    ff.on('error', reject);
    ff.on('close', () => resolve({ frames: out.split('\n').filter((l) => /^\d+,/.test(l)).length, errors: err.trim() }));
    ff.stdin.on('error', () => undefined);
    ff.stdin.end(bytes);
  });
}
