import { isVideoFrame, type TagKind } from './media-tags';

export interface WindowFrames {
  /** Video frames received inside the window. */
  frames: number;
  /** frames a viewer keeping up should have received: fps × window length. */
  expected: number;
  /** Frames missing from the timestamp sequence (a gap of k intervals is k − 1 lost frames). */
  gapDrops: number;
  /** Largest timestamp step seen, ms. */
  maxGapMs: number;
  /** Timestamps going backwards (a server restarting a timeline). */
  discontinuities: number;
  /** Media time covered by the frames received in the window, seconds (falls short of the wall time when a viewer lags). */
  mediaSeconds: number;
  wallSeconds: number;
}

/**
 * Counts one viewer's video frames and the frames it never got. A server that
 * drops frames for a slow viewer leaves a hole in the decode timestamps (our
 * hub skips to the next keyframe; nginx-rtmp drops from its out queue), so
 * holes are the drop count; the frame count against fps × time also catches
 * a viewer that silently falls behind.
 */
export class FrameTracker {
  readonly openedAt: number;
  /** When the first decodable video frame (a keyframe, after the AVC configuration) arrived. */
  firstFrameAt: number | undefined;
  /** Video frames that arrived before the first decodable one (a server without a GOP cache and wait_key off). */
  undecodableAtStart = 0;
  frames = 0;
  gapDrops = 0;
  discontinuities = 0;
  private hasConfig = false;
  private lastTimestamp: number | undefined;
  private window:
    { startedAt: number; frames: number; gapDrops: number; maxGapMs: number; discontinuities: number; firstTs?: number; lastTs?: number } | undefined;

  constructor(
    private readonly frameIntervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.openedAt = now();
  }

  /** Time to first decodable frame, ms. */
  get timeToFirstFrameMs(): number | undefined {
    return this.firstFrameAt === undefined ? undefined : this.firstFrameAt - this.openedAt;
  }

  onTag(kind: TagKind, timestamp: number): void {
    if (kind === 'video-config') this.hasConfig = true;
    if (!isVideoFrame(kind)) return;
    if (this.firstFrameAt === undefined) {
      if (kind !== 'video-key' || !this.hasConfig) {
        this.undecodableAtStart += 1;
        this.lastTimestamp = timestamp;
        return;
      }
      this.firstFrameAt = this.now();
    }
    this.frames += 1;
    const w = this.window;
    if (this.lastTimestamp !== undefined) {
      const delta = timestamp - this.lastTimestamp;
      if (delta < 0) {
        this.discontinuities += 1;
        if (w) w.discontinuities += 1;
      } else {
        const missing = delta > this.frameIntervalMs * 1.5 ? Math.round(delta / this.frameIntervalMs) - 1 : 0;
        this.gapDrops += missing;
        if (w) {
          w.gapDrops += missing;
          w.maxGapMs = Math.max(w.maxGapMs, delta);
        }
      }
    }
    this.lastTimestamp = timestamp;
    if (w) {
      w.frames += 1;
      w.firstTs ??= timestamp;
      w.lastTs = timestamp;
    }
  }

  startWindow(): void {
    this.window = { startedAt: this.now(), frames: 0, gapDrops: 0, maxGapMs: 0, discontinuities: 0 };
  }

  endWindow(): WindowFrames {
    const w = this.window ?? { startedAt: this.now(), frames: 0, gapDrops: 0, maxGapMs: 0, discontinuities: 0 };
    this.window = undefined;
    const wallSeconds = (this.now() - w.startedAt) / 1000;
    const span = w.firstTs !== undefined && w.lastTs !== undefined ? w.lastTs - w.firstTs + this.frameIntervalMs : 0;
    return {
      frames: w.frames,
      expected: Math.round((wallSeconds * 1000) / this.frameIntervalMs),
      gapDrops: w.gapDrops,
      maxGapMs: w.maxGapMs,
      discontinuities: w.discontinuities,
      mediaSeconds: span / 1000,
      wallSeconds,
    };
  }
}
