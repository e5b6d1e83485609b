import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { MediaKind, RtcMimeType, RtcProducer, RtcProducerEvents } from '../rtc-engine';

/**
 * An RtcProducer over a mediasoup Producer. It also remembers where it was
 * piped (other routers a large audience spilled over to), so every consumer
 * of the same publisher, on any worker, consumes one pipe per router.
 */
export class MediasoupProducer extends EventEmitter<RtcProducerEvents> implements RtcProducer {
  readonly kind: MediaKind;
  readonly mimeType: RtcMimeType;
  readonly layers: number;
  /** Pipe producers on other routers, by router id. */
  readonly pipes = new Map<string, Promise<types.Producer>>();
  /** Consumers of this producer (directly or through a pipe), so requestKeyFrame reaches the publisher. */
  readonly consumers = new Set<{ requestKeyFrame(): void }>();
  private activeLayers: number[] = [];

  /** Viewers start on layer 0 and move up at the next keyframe of the top layer (a bridge's catch-up layer: see receivePlainRtp). */
  readonly viewersStartOnLowestLayer: boolean;

  constructor(
    readonly producer: types.Producer,
    readonly router: types.Router,
    readonly sourceId: string,
    options: { viewersStartOnLowestLayer?: boolean } = {},
  ) {
    super();
    // Every consumer of this producer (one per viewer) listens for its close: hundreds are normal here.
    this.setMaxListeners(0);
    this.kind = producer.kind;
    this.mimeType = normalizeMime(producer.rtpParameters.codecs[0]?.mimeType ?? '');
    this.layers = Math.max(1, producer.rtpParameters.encodings?.length ?? 1);
    this.viewersStartOnLowestLayer = options.viewersStartOnLowestLayer === true && this.layers > 1;
    producer.observer.once('close', () => {
      for (const pipe of this.pipes.values()) void pipe.then((p) => p.close()).catch(() => undefined);
      this.pipes.clear();
      this.emit('closed');
    });
    if (this.layers > 1) producer.on('score', (scores) => this.onScores(scores));
  }

  get id(): string {
    return this.producer.id;
  }

  get paused(): boolean {
    return this.producer.paused;
  }

  get closed(): boolean {
    return this.producer.closed;
  }

  requestKeyFrame(): void {
    // mediasoup asks publishers for keyframes on behalf of consumers (PLI/FIR per layer).
    for (const consumer of this.consumers) consumer.requestKeyFrame();
  }

  pause(): void {
    void this.producer.pause().catch(() => undefined);
  }

  resume(): void {
    void this.producer.resume().catch(() => undefined);
  }

  close(): void {
    this.producer.close();
  }

  /** A layer is active while its stream has a score above 0 (mediasoup zeroes it when packets stop). */
  private onScores(scores: types.ProducerScore[]): void {
    const active = scores
      .filter((s) => s.score > 0)
      .map((s) => s.encodingIdx)
      .sort((a, b) => a - b);
    if (active.join() === this.activeLayers.join()) return;
    this.activeLayers = active;
    this.emit('layerschange', active);
  }
}

function normalizeMime(mimeType: string): RtcMimeType {
  const lower = mimeType.toLowerCase();
  if (lower === 'audio/opus') return 'audio/opus';
  if (lower === 'video/vp8') return 'video/VP8';
  return 'video/H264';
}
