// Real SRT peers for the specs of @mediaplane/srt: FFmpeg and srt-live-transmit (Debian's
// srt-tools) as callers. The libsrt caller that reports reject codes is @mediaplane/testing's srtConnectProbe.
import { ffmpegPublish, spawnTracked, stopProcess, testSourceArgs, type Publisher } from '@mediaplane/testing';

/** A caller URL for FFmpeg / srt-live-transmit; `params` are further URL options (passphrase, pbkeylen, latency). */
export function srtCallerUrl(port: number, streamId: string, params: Record<string, string | number> = {}): string {
  const extra = Object.entries(params).map(([key, value]) => `&${key}=${value}`);
  return `srt://127.0.0.1:${port}?streamid=${streamId}${extra.join('')}`;
}

/** FFmpeg publishing a small live H.264+AAC MPEG-TS over SRT (as an encoder would). */
export function ffmpegSrtPublish(url: string, durationSec = 20): Publisher {
  return ffmpegPublish({ url, format: 'mpegts', width: 320, height: 180, fps: 25, videoBitrateKbps: 300, durationSec });
}

export interface Peer {
  output: () => string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * FFmpeg's live MPEG-TS piped into `srt-live-transmit file://con <url>` (no auto-reconnect).
 * `output()` holds what both printed and when either exited: srt-live-transmit runs under
 * `stdbuf -oL` so its stdout lines are there while it runs (piped, they would wait for its exit).
 */
export function srtLiveTransmitPublish(url: string, durationSec = 20): Peer {
  let output = '';
  const append = (data: Buffer | string): void => {
    output = (output + data.toString()).slice(-8000);
  };
  const source = spawnTracked(
    'ffmpeg',
    [...testSourceArgs({ width: 320, height: 180, fps: 25, videoBitrateKbps: 300, durationSec }), '-f', 'mpegts', 'pipe:1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  source.stderr?.on('data', (d: Buffer) => append(`[source ffmpeg] ${d.toString()}`));
  source.once('exit', (code, signal) => append(`[source ffmpeg exited: ${code ?? signal}]\n`));
  source.stdout?.once('data', () => append('[source ffmpeg: first bytes out]\n'));
  const transmit = spawnTracked('stdbuf', ['-oL', '-eL', 'srt-live-transmit', '-a:no', '-v', '-chunk:1316', 'file://con', url], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  source.stdout?.pipe(transmit.stdin!);
  transmit.stdin?.on('error', () => undefined); // srt-live-transmit gone (rejected): FFmpeg's pipe breaks
  transmit.stdout?.on('data', append);
  transmit.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) =>
    transmit.once('exit', (code, signal) => {
      append(`[srt-live-transmit exited: ${code ?? signal}]\n`);
      resolve(code);
    }),
  );
  return {
    output: () => output,
    exited,
    stop: async () => {
      await Promise.all([stopProcess(source, 2000), stopProcess(transmit, 2000, 'SIGINT')]);
    },
  };
}
