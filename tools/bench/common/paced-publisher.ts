import type { FlvSource, SourceTag } from './flv-source';
import { openPublishOutput, type PublishOutput, type PublishTarget } from './publish-outputs';

export interface PacedPublisherOptions {
  target: PublishTarget;
  source: FlvSource;
  /** Called right after a frame's bytes were handed to the socket, with its looped timestamp. */
  onSent?: (tag: SourceTag, timestamp: number, sentAt: number) => void;
  /** The timestamp to put on the wire for a frame due at `timestamp` (a hostile publisher's clock); default: itself. */
  wireTimestamp?: (timestamp: number, tag: SourceTag) => number;
}

/**
 * Publishes a pre-encoded FLV in real time, looping it forever with
 * timestamps that keep running (loop k adds k × loopMs), like
 * `ffmpeg -re -stream_loop -1 -c copy` but without the timestamp jump FFmpeg
 * makes at the seam, which a drop counter would mistake for lost frames.
 * Over RTMP with the project's RTMP test client (or as plain FLV over TCP to
 * the fan-out floor), so no encoder runs during a bench.
 */
export class PacedPublisher {
  sentFrames = 0;
  sentBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private index = 0;
  private loop = 0;
  private startedAt = 0;
  private stopped = false;
  private failure: Error | undefined;

  private constructor(
    private readonly output: PublishOutput,
    private readonly options: PacedPublisherOptions,
  ) {}

  static async start(options: PacedPublisherOptions): Promise<PacedPublisher> {
    const output = await openPublishOutput(options.target);
    try {
      const publisher = new PacedPublisher(output, options);
      output.onClose(() => {
        if (!publisher.stopped) publisher.failure = new Error('the server closed the publishing connection');
        publisher.halt();
      });
      if (options.source.metadata !== undefined) output.sendMetadata(options.source.metadata);
      for (const config of options.source.configs) output.sendTag(config.type, 0, config.data);
      publisher.startedAt = performance.now();
      publisher.tick();
      return publisher;
    } catch (error) {
      output.close();
      throw error;
    }
  }

  /** Set once the server dropped the publisher; benches check it before trusting a window. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Media seconds published so far. */
  get mediaSeconds(): number {
    return (this.loop * this.options.source.loopMs + (this.options.source.frames[this.index]?.timestamp ?? 0)) / 1000;
  }

  stop(): void {
    this.stopped = true;
    this.halt();
    this.output.close();
  }

  private halt(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Sends every frame that is due, then sleeps until the next one. */
  private tick(): void {
    if (this.stopped || this.failure) return;
    const { frames, loopMs } = this.options.source;
    const now = performance.now();
    for (;;) {
      const frame = frames[this.index] as SourceTag;
      const timestamp = this.loop * loopMs + frame.timestamp;
      const due = this.startedAt + timestamp;
      if (due > now) {
        this.timer = setTimeout(() => this.tick(), due - now);
        return;
      }
      const wire = this.options.wireTimestamp?.(timestamp, frame) ?? timestamp;
      this.output.sendTag(frame.type, wire, frame.data);
      this.sentFrames += 1;
      this.sentBytes += frame.data.length;
      this.options.onSent?.(frame, timestamp, performance.now());
      this.index += 1;
      if (this.index === frames.length) {
        this.index = 0;
        this.loop += 1;
      }
    }
  }
}
