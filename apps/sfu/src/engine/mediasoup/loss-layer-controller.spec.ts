import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { hasBandwidthEstimation, LossLayerController, type LayeredConsumer } from './loss-layer-controller';

class FakeConsumer extends EventEmitter implements LayeredConsumer {
  closed = false;
  readonly rtpParameters: types.RtpParameters = { codecs: [] };
  readonly preferred: number[] = [];
  async setPreferredLayers(layers: types.ConsumerLayers): Promise<void> {
    this.preferred.push(layers.spatialLayer);
  }
  score(score: number): void {
    this.emit('score', { score, producerScore: 10, producerScores: [10, 10, 10] });
  }
}

describe('LossLayerController', () => {
  let now = 0;
  beforeEach(() => {
    jest.useFakeTimers();
    now = 100_000;
  });
  afterEach(() => jest.useRealTimers());

  const advance = (ms: number) => {
    now += ms;
    jest.advanceTimersByTime(ms);
  };

  it('steps down one layer per hold period while the viewer reports loss, and back up after a quiet spell', () => {
    const consumer = new FakeConsumer();
    const control = new LossLayerController(consumer, 2, { badScore: 6, recoverAfterMs: 10_000, holdMs: 2_000 }, () => now);
    consumer.score(9);
    expect(control.layer).toBe(2);
    consumer.score(4);
    expect(control.layer).toBe(1);
    consumer.score(3); // within the hold: no second switch yet
    expect(control.layer).toBe(1);
    advance(2_000);
    consumer.score(3);
    expect(control.layer).toBe(0);
    advance(5_000);
    expect(control.layer).toBe(0); // not quiet for long enough
    advance(6_000);
    expect(control.layer).toBe(1);
    advance(2_000);
    expect(control.layer).toBe(2);
    advance(30_000);
    expect(control.layer).toBe(2); // never above the cap
    expect(consumer.preferred).toEqual([1, 0, 1, 2]);
    control.stop();
  });

  it('applies the application cap at once and never recovers above it', () => {
    const consumer = new FakeConsumer();
    const control = new LossLayerController(consumer, 2, undefined, () => now);
    control.setCap(0);
    expect(consumer.preferred).toEqual([0]);
    advance(60_000);
    expect(control.layer).toBe(0);
    control.stop();
  });

  it('is only needed where mediasoup has no bandwidth estimate', () => {
    const withTcc = { codecs: [], headerExtensions: [{ uri: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01' as const, id: 5 }] };
    expect(hasBandwidthEstimation(withTcc)).toBe(true);
    expect(hasBandwidthEstimation({ codecs: [], headerExtensions: [] })).toBe(false);
  });
});
