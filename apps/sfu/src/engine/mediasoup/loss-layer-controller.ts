import type { types } from 'mediasoup';

/** The part of a mediasoup Consumer the controller drives (a real Consumer in production). */
export interface LayeredConsumer {
  readonly closed: boolean;
  readonly rtpParameters: types.RtpParameters;
  on(event: 'score', listener: (score: types.ConsumerScore) => void): unknown;
  setPreferredLayers(layers: types.ConsumerLayers): Promise<void>;
}

export interface LossLayerOptions {
  /** Consumer score (0–10, from the viewer's receiver reports) at or below which we step down. */
  badScore: number;
  /** How long scores must stay above badScore before stepping up again (ms). */
  recoverAfterMs: number;
  /** Least time between two steps (ms), so switches stay smooth. */
  holdMs: number;
}

export const DEFAULT_LOSS_LAYER_OPTIONS: LossLayerOptions = { badScore: 6, recoverAfterMs: 10_000, holdMs: 2_000 };

const BWE_EXTENSIONS = new Set([
  'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
]);

/** Whether mediasoup can estimate this consumer's bandwidth itself (transport-cc or REMB with abs-send-time). */
export function hasBandwidthEstimation(rtpParameters: types.RtpParameters): boolean {
  return (rtpParameters.headerExtensions ?? []).some((h) => BWE_EXTENSIONS.has(h.uri));
}

/**
 * Picks a simulcast viewer's layer from its packet loss when mediasoup has no
 * bandwidth estimate for it — the case of viewers whose header extension ids
 * differ from mediasoup's (Chromium WHEP players; see consumer-capabilities.ts).
 * Loss reported by the viewer lowers the layer one step; a quiet spell raises
 * it one step, never above the layer the application capped it to.
 */
export class LossLayerController {
  private target: number;
  private lastChange = 0;
  private lastBad = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly consumer: LayeredConsumer,
    private cap: number,
    private readonly options: LossLayerOptions = DEFAULT_LOSS_LAYER_OPTIONS,
    private readonly now: () => number = Date.now,
  ) {
    this.target = cap;
    consumer.on('score', (score) => this.onScore(score.score));
    this.timer = setInterval(() => this.maybeRecover(), Math.max(500, options.holdMs));
    this.timer.unref();
  }

  get layer(): number {
    return this.target;
  }

  /** The application's cap (setPreferredLayer): applied at once. */
  setCap(layer: number): void {
    this.cap = layer;
    this.apply(layer);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private onScore(score: number): void {
    if (score > this.options.badScore) return;
    this.lastBad = this.now();
    if (this.target > 0 && this.now() - this.lastChange >= this.options.holdMs) this.apply(this.target - 1);
  }

  private maybeRecover(): void {
    if (this.consumer.closed) return this.stop();
    const now = this.now();
    if (this.target >= this.cap || now - this.lastBad < this.options.recoverAfterMs || now - this.lastChange < this.options.holdMs) return;
    this.apply(this.target + 1);
  }

  private apply(layer: number): void {
    this.target = layer;
    this.lastChange = this.now();
    void this.consumer.setPreferredLayers({ spatialLayer: layer }).catch(() => undefined);
  }
}
