/**
 * Chooses the simulcast layer for one viewer from what its receiver tells us:
 * the estimated bandwidth (REMB) and the loss in its receiver reports. Going
 * down is quick (the viewer is already suffering); going up waits until the
 * estimate has had headroom for a while, so a viewer near a layer's bitrate
 * does not flap between two layers.
 */

export interface LayerFeedback {
  /** Receiver's bandwidth estimate in bits per second, undefined when it sent none. */
  estimatedBitrate?: number;
  /** Fraction of packets lost since the last report, 0..1. */
  lossFraction?: number;
}

export interface LayerInputs {
  /** Layers receiving packets, lowest first. */
  activeLayers: readonly number[];
  /** Measured bitrate per layer, bits per second. */
  layerBitrate: (layer: number) => number;
  /** Highest layer this viewer may get. */
  maxLayer: number;
}

const HEAVY_LOSS = 0.1;
const UP_HEADROOM = 1.25;
const TICKS_BEFORE_UP = 3;
const TICKS_BEFORE_DOWN = 2;

export class SimulcastLayerSelector {
  private upVotes = 0;
  private downVotes = 0;

  /** The layer to send next, given the one sent now (undefined before the first). */
  select(current: number | undefined, inputs: LayerInputs, feedback: LayerFeedback): number | undefined {
    const candidates = inputs.activeLayers.filter((layer) => layer <= inputs.maxLayer);
    if (candidates.length === 0) {
      // Nothing allowed is active: the lowest active layer beats a black screen.
      return inputs.activeLayers[0];
    }
    const fits = (layer: number, headroom: number) =>
      feedback.estimatedBitrate === undefined || inputs.layerBitrate(layer) * headroom <= feedback.estimatedBitrate;
    const affordable = [...candidates].reverse().find((layer) => fits(layer, 1)) ?? candidates[0]!;
    if (current === undefined || !candidates.includes(current)) {
      this.upVotes = this.downVotes = 0;
      return affordable;
    }
    const lossy = (feedback.lossFraction ?? 0) > HEAVY_LOSS;
    const lower = [...candidates].reverse().find((layer) => layer < current);
    if ((lossy || affordable < current) && lower !== undefined) {
      this.upVotes = 0;
      if (++this.downVotes >= TICKS_BEFORE_DOWN) {
        this.downVotes = 0;
        return lossy ? lower : Math.min(affordable, lower);
      }
      return current;
    }
    this.downVotes = 0;
    const higher = candidates.find((layer) => layer > current);
    if (higher !== undefined && !lossy && fits(higher, UP_HEADROOM)) {
      if (++this.upVotes >= TICKS_BEFORE_UP) {
        this.upVotes = 0;
        return higher;
      }
      return current;
    }
    this.upVotes = 0;
    return current;
  }
}
