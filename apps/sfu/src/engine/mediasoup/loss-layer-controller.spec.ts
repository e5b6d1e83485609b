import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { hasBandwidthEstimation, LossLayerController, type LayeredConsumer } from './loss-layer-controller';

class FakeConsumer extends EventEmitter implements LayeredConsumer {
  closed = false;
  readonly preferred: number[] = [];
  /** Every preferred-layers call, temporal layer included. */
  readonly layers: types.ConsumerLayers[] = [];
  constructor(readonly rtpParameters: types.RtpParameters = { codecs: [] }) {
    super();
  }
  /** What the next getStats() reports: packets sent and NACKed so far, the last receiver report's fraction lost. */
  stats = { type: 'outbound-rtp', packetCount: 0, nackPacketCount: 0, fractionLost: 0 };
  async getStats() {
    return [{ ...this.stats }];
  }
  async setPreferredLayers(layers: types.ConsumerLayers): Promise<void> {
    this.preferred.push(layers.spatialLayer);
    this.layers.push(layers);
  }
  score(score: number): void {
    this.emit('score', { score, producerScore: 10, producerScores: [10, 10, 10] });
  }
}

const OPTIONS = { badScore: 6, badLoss: 0.1, sampleMs: 1_000, recoverAfterMs: 10_000, holdMs: 2_000, maxRecoverAfterMs: 80_000 };

describe('LossLayerController', () => {
  let now = 0;
  beforeEach(() => {
    jest.useFakeTimers();
    now = 100_000;
  });
  afterEach(() => jest.useRealTimers());

  /** Time passes in steps of 100 ms, letting each stats sample resolve. */
  const advance = async (ms: number) => {
    for (let left = ms; left > 0; left -= 100) {
      now += 100;
      await jest.advanceTimersByTimeAsync(100);
    }
  };

  it('steps down one layer per hold period while the viewer reports loss, and back up after a quiet spell', async () => {
    const consumer = new FakeConsumer();
    const control = new LossLayerController(consumer, 2, OPTIONS, () => now);
    consumer.score(9);
    expect(control.layer).toBe(2);
    consumer.score(4);
    expect(control.layer).toBe(1);
    consumer.score(3); // within the hold: no second switch yet
    expect(control.layer).toBe(1);
    await advance(2_000);
    consumer.score(3);
    expect(control.layer).toBe(0);
    await advance(5_000);
    expect(control.layer).toBe(0); // not quiet for long enough
    await advance(6_000);
    expect(control.layer).toBe(1);
    await advance(2_000);
    expect(control.layer).toBe(2);
    await advance(30_000);
    expect(control.layer).toBe(2); // never above the cap
    expect(consumer.preferred).toEqual([1, 0, 1, 2]);
    control.stop();
  });

  it('steps down when the viewer NACKs much of what it is sent, though its score stays high', async () => {
    const consumer = new FakeConsumer();
    const control = new LossLayerController(consumer, 2, OPTIONS, () => now);
    const second = async (sent: number, nacked: number) => {
      consumer.stats.packetCount += sent;
      consumer.stats.nackPacketCount += nacked;
      await advance(1_000);
    };
    await second(100, 0);
    await second(100, 2); // 2 % NACKed: a clean link
    expect(control.layer).toBe(2);
    consumer.score(9);
    await second(100, 60); // 60 % NACKed: the link drops most packets
    expect(control.layer).toBe(1);
    await second(100, 60);
    expect(control.layer).toBe(1); // within the hold
    await second(100, 60);
    expect(control.layer).toBe(0);
    control.stop();
  });

  it('waits twice as long before trying a layer again that met loss at once', async () => {
    const consumer = new FakeConsumer();
    const control = new LossLayerController(consumer, 1, OPTIONS, () => now);
    const tick = () => advance(1_000);
    consumer.score(2);
    expect(control.layer).toBe(0);
    for (let i = 0; i < 10; i++) await tick();
    expect(control.layer).toBe(1); // 10 s quiet: try again
    for (let i = 0; i < 2; i++) await tick();
    consumer.score(2); // loss right away
    expect(control.layer).toBe(0);
    for (let i = 0; i < 15; i++) await tick();
    expect(control.layer).toBe(0); // 15 s is not enough now
    for (let i = 0; i < 6; i++) await tick();
    expect(control.layer).toBe(1); // 20 s is
    control.stop();
  });

  it('applies the application cap at once and never recovers above it', async () => {
    const consumer = new FakeConsumer();
    const control = new LossLayerController(consumer, 2, undefined, () => now);
    control.setCap(0);
    expect(consumer.preferred).toEqual([0]);
    await advance(60_000);
    expect(control.layer).toBe(0);
    control.stop();
  });

  it('goes on below the lowest layer through its temporal layers, and comes back up the same way', async () => {
    // mediasoup's scalability mode for a consumer of three simulcast layers with three temporal layers each.
    const consumer = new FakeConsumer({ codecs: [], encodings: [{ ssrc: 1, scalabilityMode: 'L3T3' }] });
    const control = new LossLayerController(consumer, 1, OPTIONS, () => now);
    expect([control.layer, control.temporalLayer]).toEqual([1, 2]);
    for (let i = 0; i < 4; i++) {
      consumer.score(2);
      await advance(2_000);
    }
    expect([control.layer, control.temporalLayer]).toEqual([0, 0]); // the floor: a quarter of the lowest layer's frames
    await advance(60_000);
    expect([control.layer, control.temporalLayer]).toEqual([1, 2]); // never above the cap
    const ladder = (l: types.ConsumerLayers) => `${l.spatialLayer}:${l.temporalLayer}`;
    expect(consumer.layers.map(ladder)).toEqual(['0:2', '0:1', '0:0', '0:1', '0:2', '1:2']);
    control.stop();
  });

  it('is only needed where mediasoup has no bandwidth estimate', () => {
    const withTcc = { codecs: [], headerExtensions: [{ uri: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01' as const, id: 5 }] };
    expect(hasBandwidthEstimation(withTcc)).toBe(true);
    expect(hasBandwidthEstimation({ codecs: [], headerExtensions: [] })).toBe(false);
  });
});
