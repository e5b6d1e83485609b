import { BARCODE, clockValue } from '@mediaplane/testing';

/** Sample rate of the tone the clock publishers send with every picture. */
export const CLOCK_TONE_SAMPLE_RATE = 48_000;

/** What a clock source hands its video encoder each frame interval. */
export interface ClockFrame {
  /** Frame number from 0: its media time is index / fps. */
  index: number;
  /** Raw gray BARCODE.width x BARCODE.height picture with the wall clock (ms) burned in. */
  picture: Buffer;
  /** performance.now() when the picture was drawn. */
  drawnAt: number;
}

export interface ClockSourceOptions {
  fps: number;
  /**
   * The tone comes in chunks of this many ms of samples, each when its last sample is due (a sound
   * card's period: 10 ms is common); default one frame interval, handed over with each picture.
   */
  audioChunkMs?: number;
  onFrame(frame: ClockFrame): void;
  /** s16le mono at CLOCK_TONE_SAMPLE_RATE, a 440 Hz tone continuing the phase of the last chunk. */
  onAudio(pcm: Buffer): void;
}

/**
 * A live picture-and-tone source for glass-to-glass benches: `fps` times a
 * second it draws a grey picture with a moving block (so an encoder works as
 * on camera input) and the wall clock as the bench barcode, the moment it
 * hands the frame on, and a tone in chunks of `audioChunkMs`. A player that reads the
 * barcode gets latency including the encoder, with no clock offset to
 * calibrate (FFmpeg's own lavfi sources only know media time).
 */
export class ClockSource {
  private readonly timer: NodeJS.Timeout;
  private frame = 0;
  private sample = 0;

  constructor(private readonly options: ClockSourceOptions) {
    const { fps } = options;
    const chunkSamples = Math.round(((options.audioChunkMs ?? 1000 / fps) * CLOCK_TONE_SAMPLE_RATE) / 1000);
    const started = performance.now();
    // Catch up against the start time, so a late tick does not slow the frame rate or the tone.
    this.timer = setInterval(
      () => {
        const elapsed = (performance.now() - started) / 1000;
        while (this.frame <= Math.floor(elapsed * fps)) this.emitFrame();
        while (this.sample + chunkSamples <= elapsed * CLOCK_TONE_SAMPLE_RATE) options.onAudio(this.tone(chunkSamples));
      },
      Math.min(1000 / fps, options.audioChunkMs ?? Infinity) / 2,
    );
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private emitFrame(): void {
    const index = this.frame++;
    const picture = drawClockPicture(index, Date.now());
    this.options.onFrame({ index, picture, drawnAt: performance.now() });
  }

  private tone(samples: number): Buffer {
    const pcm = Buffer.alloc(samples * 2);
    for (let i = 0; i < samples; i++) {
      pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * this.sample++) / CLOCK_TONE_SAMPLE_RATE)), i * 2);
    }
    return pcm;
  }
}

/** A grey picture with a block that moves with `index` and the clock `nowMs` as the barcode on top. */
export function drawClockPicture(index: number, nowMs: number): Buffer {
  const { width, height, bits, block } = BARCODE;
  const picture = Buffer.alloc(width * height, 64);
  const x0 = (index * 8) % (width - 160);
  for (let y = 200; y < 360; y++) picture.fill(200, y * width + x0, y * width + x0 + 160);
  const value = clockValue(nowMs, 1);
  for (let k = 0; k < bits; k++) {
    const level = Math.floor(value / 2 ** k) % 2 === 1 ? 255 : 0;
    for (let y = 0; y < 2 * block; y++) picture.fill(level, y * width + k * block, y * width + (k + 1) * block);
  }
  return picture;
}
