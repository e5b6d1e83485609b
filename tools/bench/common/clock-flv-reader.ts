import type { ChildProcess } from 'node:child_process';
import { BARCODE, barcodeLatencyMs, spawnTracked, stopProcess } from '@mediaplane/testing';

/** The decoded band that holds the barcode: full width of the bench picture, the barcode's height. */
const BAND = { width: BARCODE.bits * BARCODE.block, height: 2 * BARCODE.block } as const;

/**
 * The clock of one decoded band (gray, BAND.width x BAND.height bytes):
 * bit k is the middle of block k on the band's middle row.
 */
export function readBandClock(band: Buffer): number {
  const y = BARCODE.block;
  let value = 0;
  for (let k = BARCODE.bits - 1; k >= 0; k--) {
    const x = k * BARCODE.block + BARCODE.block / 2;
    value = value * 2 + ((band[y * BAND.width + x] ?? 0) > 128 ? 1 : 0);
  }
  return value;
}

/**
 * A player of an HTTP-FLV (or any FFmpeg-readable) URL that decodes every
 * frame and reads the wall clock burned into it by ClockRtmpPublisher
 * (unit 1 ms): latency = the time this process got the decoded frame − the
 * clock in it, so glass-to-glass including the publisher's encoder and this
 * decoder. FFmpeg decodes with low-delay flags, one thread (frame threads
 * would hold frames back) and writes only the barcode band as raw gray.
 */
export class ClockFlvReader {
  readonly samples: number[] = [];
  unreadable = 0;
  frames = 0;
  private counting = false;
  private pending: Buffer = Buffer.alloc(0);

  private constructor(private readonly child: ChildProcess) {
    const frameBytes = BAND.width * BAND.height;
    child.stdout?.on('data', (chunk: Buffer) => {
      const now = Date.now();
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= frameBytes) {
        const band = this.pending.subarray(0, frameBytes);
        this.pending = this.pending.subarray(frameBytes);
        this.frames += 1;
        if (!this.counting) continue;
        const latency = barcodeLatencyMs(readBandClock(band), now, 1);
        if (latency === undefined) this.unreadable += 1;
        else this.samples.push(latency);
      }
    });
  }

  static start(url: string): ClockFlvReader {
    const child = spawnTracked(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-nostdin',
        '-fflags',
        'nobuffer',
        '-flags',
        'low_delay',
        '-probesize',
        '65536',
        '-analyzeduration',
        '0',
        '-threads',
        '1',
        '-i',
        url,
        '-an',
        '-vf',
        `crop=${BAND.width}:${BAND.height}:0:0,format=gray`,
        '-f',
        'rawvideo',
        '-flush_packets',
        '1',
        'pipe:1',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    return new ClockFlvReader(child);
  }

  /** Frames decoded before this (the GOP-cache burst at join) are not latency samples. */
  startCounting(): void {
    this.counting = true;
  }

  /** Frames decoded from now on are not counted (the window is over). */
  stopCounting(): void {
    this.counting = false;
  }

  async stop(): Promise<void> {
    this.counting = false;
    await stopProcess(this.child, 3000);
  }
}
