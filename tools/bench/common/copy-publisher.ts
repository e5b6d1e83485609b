import type { ChildProcess } from 'node:child_process';
import { spawnTracked } from '@mediaplane/testing';

/**
 * FFmpeg sending a pre-encoded file in real time, copied (no encoder CPU in
 * the measurement) and looped, as FLV over RTMP or MPEG-TS over SRT.
 * `quiet` also drops FFmpeg's error output (many publishers at once).
 */
export function copyPublisher(file: string, container: 'flv' | 'mpegts', url: string, options: { quiet?: boolean } = {}): ChildProcess {
  return spawnTracked(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-stream_loop', '-1', '-i', file, '-c', 'copy', '-f', container, url],
    { stdio: ['ignore', 'ignore', options.quiet ? 'ignore' : 'inherit'] },
  );
}
