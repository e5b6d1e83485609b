import { parseScalabilityMode, type types } from 'mediasoup';

/** The part of a mediasoup Consumer the controller drives (a real Consumer in production). */
export interface LayeredConsumer {
  readonly closed: boolean;
  readonly rtpParameters: types.RtpParameters;
  on(event: 'score', listener: (score: types.ConsumerScore) => void): unknown;
  setPreferredLayers(layers: types.ConsumerLayers): Promise<void>;
  getStats(): Promise<readonly { type: string; packetCount?: number; nackPacketCount?: number; fractionLost?: number }[]>;
}

export interface LossLayerOptions {
  /** Consumer score (0–10, from the viewer's receiver reports) at or below which we step down. */
  badScore: number;
  /**
   * Loss, 0..1, above which a sample counts as bad: the larger of the receiver
   * report's fraction lost and the share of sent packets the viewer NACKed.
   */
  badLoss: number;
  /** How often the consumer's stats are sampled (ms). */
  sampleMs: number;
  /** How long the viewer must stay loss-free before stepping up again (ms). */
  recoverAfterMs: number;
  /** Least time between two steps (ms), so switches stay smooth. */
  holdMs: number;
  /** Ceiling of the quiet spell after failed step-ups (it doubles each time a step up meets loss at once). */
  maxRecoverAfterMs: number;
}

export const DEFAULT_LOSS_LAYER_OPTIONS: LossLayerOptions = {
  badScore: 6,
  badLoss: 0.1,
  sampleMs: 1_000,
  recoverAfterMs: 10_000,
  holdMs: 2_000,
  maxRecoverAfterMs: 80_000,
};

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
 * Loss lowers the layer one step per hold period; a quiet spell raises it one
 * step, never above the layer the application capped it to. Below the lowest
 * spatial layer the steps go on through its temporal layers (a half, then a
 * quarter of the frame rate): a link narrower than the lowest layer and its
 * sound otherwise stays overfull, and the retransmissions of what it drops
 * keep it so, so the picture freezes instead of slowing. A step up that
 * meets loss at once doubles the next quiet spell, so a viewer whose link
 * cannot carry the higher layer does not flap between the two.
 *
 * Loss is read two ways: the consumer score, and sampled stats. The score
 * alone is not enough: mediasoup discounts packets it repaired by NACK, and
 * Chromium counts retransmitted packets as received, so a viewer behind a
 * link that drops most packets can keep a score of 9–10 while it freezes. The
 * share of sent packets the viewer NACKs shows that loss.
 */
export class LossLayerController {
  /** Position on the ladder: 0 … temporalLayers - 1 are spatial layer 0's temporal layers, then one step per spatial layer. */
  private step: number;
  private readonly temporalLayers: number;
  private lastChange = 0;
  private lastBad = 0;
  private lastUp = Number.NEGATIVE_INFINITY;
  private recoverAfterMs: number;
  private previous?: { packets: number; nacked: number };
  private sampling = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly consumer: LayeredConsumer,
    /** The highest spatial layer the viewer may get. */
    private cap: number,
    private readonly options: LossLayerOptions = DEFAULT_LOSS_LAYER_OPTIONS,
    private readonly now: () => number = Date.now,
  ) {
    // mediasoup writes a simulcast consumer's mode as L{layers}T{temporal layers}, e.g. L3T3; none: one.
    this.temporalLayers = parseScalabilityMode(consumer.rtpParameters.encodings?.[0]?.scalabilityMode).temporalLayers;
    this.step = this.stepOf(cap);
    this.recoverAfterMs = options.recoverAfterMs;
    consumer.on('score', (score) => {
      if (score.score <= this.options.badScore) this.onLoss();
    });
    this.timer = setInterval(() => void this.sample(), Math.max(100, options.sampleMs));
    this.timer.unref();
  }

  /** The spatial layer the viewer is held to. */
  get layer(): number {
    return this.layersOf(this.step).spatialLayer;
  }

  /** The temporal layer the viewer is held to. */
  get temporalLayer(): number {
    return this.layersOf(this.step).temporalLayer;
  }

  /** The application's cap (setPreferredLayer): applied at once. */
  setCap(layer: number): void {
    this.cap = layer;
    this.apply(this.stepOf(layer));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sample(): Promise<void> {
    if (this.consumer.closed) return this.stop();
    if (this.sampling) return;
    this.sampling = true;
    try {
      const stats = (await this.consumer.getStats()).find((s) => s.type === 'outbound-rtp');
      if (stats) this.onStats(stats.packetCount ?? 0, stats.nackPacketCount ?? 0, (stats.fractionLost ?? 0) / 256);
    } catch {
      // The consumer closed between the check and the request: the next tick stops the timer.
    } finally {
      this.sampling = false;
    }
    this.maybeRecover();
  }

  private onStats(packets: number, nacked: number, fractionLost: number): void {
    const previous = this.previous;
    this.previous = { packets, nacked };
    const sent = previous ? packets - previous.packets : 0;
    const nackShare = previous && sent > 0 ? (nacked - previous.nacked) / sent : 0;
    if (Math.max(fractionLost, nackShare) > this.options.badLoss) this.onLoss();
  }

  private onLoss(): void {
    const now = this.now();
    this.lastBad = now;
    if (this.step <= 0 || now - this.lastChange < this.options.holdMs) return;
    // Loss right after a step up: that layer does not fit, so wait longer before trying it again.
    const failedUp = now - this.lastUp < this.options.recoverAfterMs;
    this.recoverAfterMs = failedUp ? Math.min(this.recoverAfterMs * 2, this.options.maxRecoverAfterMs) : this.options.recoverAfterMs;
    this.apply(this.step - 1);
  }

  private maybeRecover(): void {
    const now = this.now();
    if (this.step >= this.stepOf(this.cap) || now - this.lastBad < this.recoverAfterMs || now - this.lastChange < this.options.holdMs) return;
    this.lastUp = now;
    this.apply(this.step + 1);
  }

  private apply(step: number): void {
    this.step = step;
    this.lastChange = this.now();
    void this.consumer.setPreferredLayers(this.layersOf(step)).catch(() => undefined);
  }

  /** The step of a spatial layer at its full frame rate. */
  private stepOf(spatialLayer: number): number {
    return spatialLayer + this.temporalLayers - 1;
  }

  private layersOf(step: number): { spatialLayer: number; temporalLayer: number } {
    const top = this.temporalLayers - 1;
    return step < top ? { spatialLayer: 0, temporalLayer: step } : { spatialLayer: step - top, temporalLayer: top };
  }
}
