import type { ChildProcess } from 'node:child_process';
import { BARCODE, spawnTracked, stopProcess } from '@mediaplane/testing';
import type { Writable } from 'node:stream';
import { CLOCK_TONE_SAMPLE_RATE, ClockSource } from './clock-source';

export interface ClockRtmpPublisherOptions {
  url: string;
  fps: number;
  gopFrames: number;
  videoBitrateKbps: number;
  /** x264 options appended after the defaults (ultrafast, zerolatency): later ones win. */
  encoderArgs?: string[];
  /** Container of the output: FLV for RTMP (default), MPEG-TS for SRT (`url` then an srt:// caller URL). */
  format?: 'flv' | 'mpegts';
}

/**
 * An RTMP (or SRT: `format: 'mpegts'`) publisher of a ClockSource: one FFmpeg
 * reads its raw grey frames and tone from two pipes, encodes them like a live
 * encoder (x264 zerolatency, AAC) and publishes.
 *
 * One FFmpeg muxes both, so it holds video back for audio: FFmpeg 5.1 reads
 * the next video frame only once its audio output has caught up, and the AAC
 * encoder's output lags its input by ~2 frames of 1024 samples. Measured on
 * its FLV output: each video frame leaves 48 ms (p50) / 90 ms (p95) after it
 * was drawn, against 5 / 7 ms without audio. The srt bench keeps this one (its
 * RTMP and SRT rows share it, and MPEG-TS needs the one muxer);
 * ClockLivePublisher sends each frame as soon as it is encoded.
 */
export class ClockRtmpPublisher {
  /**
   * Most pictures waiting at FFmpeg's stdin when the next was drawn, since
   * start or the last resetMaxQueuedFrames. A few is normal (the muxer holds
   * video for audio); more means the encoder fell behind the clock, and every
   * latency read meanwhile carries the backlog.
   */
  maxQueuedFrames = 0;
  private readonly source: ClockSource;

  private constructor(
    private readonly child: ChildProcess,
    fps: number,
  ) {
    this.source = new ClockSource({
      fps,
      onFrame: ({ picture }) => this.writePicture(picture),
      onAudio: (pcm) => (this.child.stdio[3] as Writable | null)?.write(pcm),
    });
  }

  static start(options: ClockRtmpPublisherOptions): ClockRtmpPublisher {
    const { width, height } = BARCODE;
    const args = [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      '-s',
      `${width}x${height}`,
      '-framerate',
      String(options.fps),
      '-i',
      'pipe:0',
      // The audio comes from this process too, with every frame: an FFmpeg-paced source (`-re` lavfi)
      // ran ~300 ms apart from the piped video, and the muxer held the video back to interleave.
      '-f',
      's16le',
      '-ar',
      String(CLOCK_TONE_SAMPLE_RATE),
      '-ac',
      '1',
      '-i',
      'pipe:3',
      '-vf',
      'format=yuv420p',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-tune',
      'zerolatency',
      '-g',
      String(options.gopFrames),
      '-b:v',
      `${options.videoBitrateKbps}k`,
      ...(options.encoderArgs ?? []),
      '-c:a',
      'aac',
      '-b:a',
      '96k',
      '-flush_packets',
      '1',
      ...(options.format === 'mpegts' ? ['-f', 'mpegts'] : ['-f', 'flv']),
      options.url,
    ];
    const child = spawnTracked('ffmpeg', args, { stdio: ['pipe', 'ignore', 'inherit', 'pipe'] });
    child.stdin?.on('error', () => undefined);
    child.stdio[3]?.on('error', () => undefined);
    return new ClockRtmpPublisher(child, options.fps);
  }

  /** FFmpeg's start-up leaves a backlog that is gone by the time a bench counts: count from now. */
  resetMaxQueuedFrames(): void {
    this.maxQueuedFrames = 0;
  }

  private writePicture(picture: Buffer): void {
    const stdin = this.child.stdin;
    if (!stdin) return;
    this.maxQueuedFrames = Math.max(this.maxQueuedFrames, Math.floor(stdin.writableLength / picture.length));
    stdin.write(picture);
  }

  async stop(): Promise<void> {
    this.source.stop();
    this.child.stdin?.end();
    (this.child.stdio[3] as Writable | null)?.end();
    await stopProcess(this.child, 3000, 'SIGINT');
  }
}
