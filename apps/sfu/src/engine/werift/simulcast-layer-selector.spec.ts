import { SimulcastLayerSelector, type LayerInputs } from './simulcast-layer-selector';

const BITRATES = [150_000, 500_000, 1_500_000];

function inputs(overrides: Partial<LayerInputs> = {}): LayerInputs {
  return { activeLayers: [0, 1, 2], layerBitrate: (layer) => BITRATES[layer] ?? 0, maxLayer: 2, ...overrides };
}

describe('SimulcastLayerSelector', () => {
  it('starts at the highest layer the estimate affords, or the highest allowed without one', () => {
    expect(new SimulcastLayerSelector().select(undefined, inputs(), {})).toBe(2);
    expect(new SimulcastLayerSelector().select(undefined, inputs(), { estimatedBitrate: 600_000 })).toBe(1);
    expect(new SimulcastLayerSelector().select(undefined, inputs(), { estimatedBitrate: 10_000 })).toBe(0);
    expect(new SimulcastLayerSelector().select(undefined, inputs({ maxLayer: 1 }), {})).toBe(1);
  });

  it('goes down after two short ticks, not on the first', () => {
    const selector = new SimulcastLayerSelector();
    expect(selector.select(2, inputs(), { estimatedBitrate: 600_000 })).toBe(2);
    expect(selector.select(2, inputs(), { estimatedBitrate: 600_000 })).toBe(1);
  });

  it('steps down one layer on heavy loss even when the estimate is high', () => {
    const selector = new SimulcastLayerSelector();
    selector.select(2, inputs(), { estimatedBitrate: 5_000_000, lossFraction: 0.3 });
    expect(selector.select(2, inputs(), { estimatedBitrate: 5_000_000, lossFraction: 0.3 })).toBe(1);
  });

  it('goes up only after three ticks with headroom, and not when the headroom is thin', () => {
    const selector = new SimulcastLayerSelector();
    expect(selector.select(1, inputs(), { estimatedBitrate: 2_000_000 })).toBe(1);
    expect(selector.select(1, inputs(), { estimatedBitrate: 2_000_000 })).toBe(1);
    expect(selector.select(1, inputs(), { estimatedBitrate: 2_000_000 })).toBe(2);
    const thin = new SimulcastLayerSelector();
    for (let i = 0; i < 5; i++) expect(thin.select(1, inputs(), { estimatedBitrate: 1_600_000 })).toBe(1);
  });

  it('a dip between up-votes starts the count again (no flapping near a threshold)', () => {
    const selector = new SimulcastLayerSelector();
    selector.select(1, inputs(), { estimatedBitrate: 2_000_000 });
    selector.select(1, inputs(), { estimatedBitrate: 2_000_000 });
    selector.select(1, inputs(), { estimatedBitrate: 1_600_000 });
    expect(selector.select(1, inputs(), { estimatedBitrate: 2_000_000 })).toBe(1);
  });

  it('leaves a layer that stopped, and falls back to the lowest active one when nothing allowed is active', () => {
    expect(new SimulcastLayerSelector().select(2, inputs({ activeLayers: [0, 1] }), {})).toBe(1);
    expect(new SimulcastLayerSelector().select(0, inputs({ activeLayers: [1, 2], maxLayer: 0 }), {})).toBe(1);
    expect(new SimulcastLayerSelector().select(0, inputs({ activeLayers: [] }), {})).toBeUndefined();
  });

  it('respects the preferred layer cap', () => {
    expect(new SimulcastLayerSelector().select(2, inputs({ maxLayer: 0 }), {})).toBe(0);
  });
});
