import { join } from 'node:path';
import { BenchChildProcess } from './bench-child-process';
import type { ClockLivePublisherOptions } from './clock-live-publisher';

export type ClockPublisherCommand = { type: 'delays' } | { type: 'stop' };
export type ClockPublisherReport = { type: 'started' } | { type: 'failed'; error: string } | { type: 'delays'; encoderDelaysMs: number[] };

const START_TIMEOUT_MS = 15_000;

/** The parent's handle on a ClockLivePublisher in its own process (clock-live-publisher-main.ts). */
export class ClockLivePublisherProcess {
  private constructor(private readonly child: BenchChildProcess<ClockPublisherReport, ClockPublisherCommand>) {}

  static async start(options: ClockLivePublisherOptions): Promise<ClockLivePublisherProcess> {
    const child = BenchChildProcess.spawn<ClockPublisherReport, ClockPublisherCommand>(
      'clock publisher',
      join(__dirname, 'clock-live-publisher-main.js'),
      options,
    );
    try {
      const report = await child.next(['started', 'failed'], START_TIMEOUT_MS);
      if (report.type === 'failed') throw new Error(`clock publisher: ${report.error}`);
      return new ClockLivePublisherProcess(child);
    } catch (error) {
      await child.stop(3000);
      throw error;
    }
  }

  /** Encoder delays (picture drawn → frame sent, ms) measured since the last call. */
  async takeEncoderDelays(): Promise<number[]> {
    const report = this.child.next('delays', 10_000);
    this.child.send({ type: 'delays' });
    const delays = await report;
    return delays.type === 'delays' ? delays.encoderDelaysMs : [];
  }

  async stop(): Promise<void> {
    this.child.send({ type: 'stop' });
    await this.child.stop(5000);
  }
}
