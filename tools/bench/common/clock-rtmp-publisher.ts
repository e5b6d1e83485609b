import type { ChildProcess } from 'node:child_process';
import { BARCODE, clockValue, spawnTracked, stopProcess } from '@mediaplane/testing';
import type { Writable } from 'node:stream';

const SAMPLE_RATE = 48_000;

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
 * An RTMP (or SRT: `format: 'mpegts'`) publisher whose every frame carries the wall clock (ms) as the
 * bench barcode, drawn by this process the moment the frame is handed to
 * FFmpeg: FFmpeg reads raw grey frames from a pipe, encodes them like a live
 * encoder (x264 zerolatency, AAC tone) and publishes. A reader of the played
 * picture gets glass-to-glass latency including the encoder, with no clock
 * offset to calibrate (FFmpeg's own lavfi sources only know media time).
 */
export class ClockRtmpPublisher {
  private readonly timer: NodeJS.Timeout;
  private frame = 0;
  private sample = 0;

  private constructor(
    private readonly child: ChildProcess,
    private readonly fps: number,
  ) {
    const started = performance.now();
    // Catch up frame by frame against the start time, so a late tick does not slow the frame rate.
    this.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - started) / 1000) * this.fps);
      while (this.frame <= due) this.writeFrame();
    }, 1000 / fps / 2);
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
      // The audio comes from this process too, 40 ms with every frame: an FFmpeg-paced source (`-re`
      // lavfi) ran ~300 ms apart from the piped video, and the muxer held the video back to interleave.
      '-f',
      's16le',
      '-ar',
      String(SAMPLE_RATE),
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
      // Send each frame as soon as it is encoded, as a live encoder does, rather than waiting to interleave.
      '-max_interleave_delta',
      '0',
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

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.child.stdin?.end();
    (this.child.stdio[3] as Writable | null)?.end();
    await stopProcess(this.child, 3000, 'SIGINT');
  }

  /** A grey picture with a moving block (so the encoder works as on camera input) and the clock barcode on top. */
  private writeFrame(): void {
    const { width, height, bits, block } = BARCODE;
    const picture = Buffer.alloc(width * height, 64);
    const x0 = (this.frame * 8) % (width - 160);
    for (let y = 200; y < 360; y++) picture.fill(200, y * width + x0, y * width + x0 + 160);
    const value = clockValue(Date.now(), 1);
    for (let k = 0; k < bits; k++) {
      const level = Math.floor(value / 2 ** k) % 2 === 1 ? 255 : 0;
      for (let y = 0; y < 2 * block; y++) picture.fill(level, y * width + k * block, y * width + (k + 1) * block);
    }
    this.frame += 1;
    this.child.stdin?.write(picture);
    (this.child.stdio[3] as Writable | null)?.write(this.tone());
  }

  /** One frame's worth of a 440 Hz tone, continuing the phase of the last. */
  private tone(): Buffer {
    const samples = Math.round(SAMPLE_RATE / this.fps);
    const pcm = Buffer.alloc(samples * 2);
    for (let i = 0; i < samples; i++) {
      pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * this.sample++) / SAMPLE_RATE)), i * 2);
    }
    return pcm;
  }
}
