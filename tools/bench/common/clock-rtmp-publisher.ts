import type { ChildProcess } from 'node:child_process';
import { spawnTracked, stopProcess } from '@mediaplane/testing';
import { BARCODE, clockValue } from './clock-barcode';

export interface ClockRtmpPublisherOptions {
  url: string;
  fps: number;
  gopFrames: number;
  videoBitrateKbps: number;
  /** x264 options appended after the defaults (ultrafast, zerolatency): later ones win. */
  encoderArgs?: string[];
}

/**
 * An RTMP publisher whose every frame carries the wall clock (ms) as the
 * bench barcode, drawn by this process the moment the frame is handed to
 * FFmpeg: FFmpeg reads raw grey frames from a pipe, encodes them like a live
 * encoder (x264 zerolatency, AAC tone) and publishes. A reader of the played
 * picture gets glass-to-glass latency including the encoder, with no clock
 * offset to calibrate (FFmpeg's own lavfi sources only know media time).
 */
export class ClockRtmpPublisher {
  private readonly timer: NodeJS.Timeout;
  private frame = 0;

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
      '-re',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=48000',
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
      '-f',
      'flv',
      options.url,
    ];
    const child = spawnTracked('ffmpeg', args, { stdio: ['pipe', 'ignore', 'inherit'] });
    child.stdin?.on('error', () => undefined);
    return new ClockRtmpPublisher(child, options.fps);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.child.stdin?.end();
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
  }
}
