import type { HubEncoder } from './hub-encoder';
import type { HubSink } from './hub-sink';

/**
 * `waiting`: joined without a usable GOP, starts at the next keyframe.
 * `live`: receives every frame.
 * `behind`: its queue passed the bound; frames are dropped until a keyframe
 * finds the queue drained below half the bound.
 */
export type HubViewerState = 'waiting' | 'live' | 'behind';

export interface HubViewerInit {
  /** Unique within the hub. */
  id: string;
  /** Playback protocol label for stats and metrics, e.g. `rtmp`, `flv`, `wsflv`. */
  protocol: string;
  /** Internal pulls (transcode, SFU bridge) are served like viewers but not counted as viewers. */
  counted: boolean;
  encoder: HubEncoder;
  sink: HubSink;
}

let viewersNumbered = 0;

/**
 * A viewer id unique in this process, e.g. `flv-1k3`: short enough (under 13 characters up to 78 billion
 * viewers) that V8 stores it as one flat string. A `${protocol}-${randomUUID()}` id is a tree of ~15
 * concatenated pieces, ~480 bytes that every viewer kept for as long as it watched.
 */
export function nextViewerId(protocol: string): string {
  viewersNumbered += 1;
  return `${protocol}-${viewersNumbered.toString(36)}`;
}

/** A viewer's position and counters inside a hub. */
export class HubViewer {
  readonly id: string;
  readonly protocol: string;
  readonly counted: boolean;
  readonly encoder: HubEncoder;
  readonly sink: HubSink;
  state: HubViewerState = 'live';
  /** Seq of the newest frame this viewer has been given or has skipped. */
  lastSeq = 0;
  behindSince = 0;
  droppedFrames = 0;
  bytesSent = 0;
  readonly joinedAt: number;
  closed = false;

  constructor(init: HubViewerInit, now: number) {
    this.id = init.id;
    this.protocol = init.protocol;
    this.counted = init.counted;
    this.encoder = init.encoder;
    this.sink = init.sink;
    this.joinedAt = now;
  }

  /** Writes through to the sink; returns the number of bytes written. */
  write(data: Buffer | readonly Buffer[]): number {
    if (this.closed) return 0;
    const bytes = Buffer.isBuffer(data) ? data.length : data.reduce((sum, b) => sum + b.length, 0);
    if (bytes === 0) return 0;
    this.bytesSent += bytes;
    this.sink.write(data);
    return bytes;
  }
}
