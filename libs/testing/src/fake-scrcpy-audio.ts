/**
 * The fake scrcpy-server's raw audio (audio_codec=raw, AudioRawRecorder): PCM s16le, 48 kHz, stereo, in packets
 * the size of one AudioRecord read (AudioConfig.MAX_READ_SIZE: 1024 frames = 4096 bytes, 21.3 ms), from an FFmpeg
 * sine in real time. PTS are on the device's monotonic clock, like AudioRecord's TIMEBASE_MONOTONIC timestamps.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnTracked } from './child-processes';
import type { FakeDeviceProcesses } from './fake-adb-shell';
import { FakeDeviceChild } from './fake-device-child';

export const RAW_AUDIO_SAMPLE_RATE = 48_000;
const BYTES_PER_FRAME = 4; // 2 channels × 16 bits
export const RAW_AUDIO_PACKET_BYTES = 1024 * BYTES_PER_FRAME;

export class FakeRawAudioSource extends FakeDeviceChild {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private firstPtsUs: number | undefined;
  private sentFrames = 0;

  private constructor(
    child: ChildProcess,
    private readonly clockUs: () => number,
    private readonly onPacket: (ptsUs: number, data: Buffer) => void,
  ) {
    super(child);
  }

  static start(ffmpegPath: string, processes: FakeDeviceProcesses, clockUs: () => number, onPacket: (ptsUs: number, data: Buffer) => void): FakeRawAudioSource {
    const args = [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      '-re',
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:sample_rate=${RAW_AUDIO_SAMPLE_RATE}`,
      '-ac',
      '2',
      '-c:a',
      'pcm_s16le',
      '-flush_packets',
      '1',
      '-f',
      's16le',
      '-',
    ];
    const child = spawnTracked(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    processes.track(child);
    return new FakeRawAudioSource(child, clockUs, onPacket);
  }

  protected onData(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < RAW_AUDIO_PACKET_BYTES) return;
    let data = Buffer.concat(this.pending, this.pendingBytes);
    while (data.length >= RAW_AUDIO_PACKET_BYTES) {
      // The first read is stamped with the clock, the next ones follow by their sample count (AudioRecordReader's nextPts).
      this.firstPtsUs ??= this.clockUs();
      const ptsUs = this.firstPtsUs + Math.round((this.sentFrames * 1_000_000) / RAW_AUDIO_SAMPLE_RATE);
      this.sentFrames += RAW_AUDIO_PACKET_BYTES / BYTES_PER_FRAME;
      this.onPacket(ptsUs, Buffer.from(data.subarray(0, RAW_AUDIO_PACKET_BYTES)));
      data = data.subarray(RAW_AUDIO_PACKET_BYTES);
    }
    this.pending = data.length ? [Buffer.from(data)] : [];
    this.pendingBytes = data.length;
  }
}
