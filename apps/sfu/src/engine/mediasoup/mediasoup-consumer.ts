import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { MediaKind, RtcConsumer, RtcConsumerEvents } from '../rtc-engine';
import { hasBandwidthEstimation, LossLayerController } from './loss-layer-controller';

/**
 * An RtcConsumer over a mediasoup Consumer. For simulcast, mediasoup picks
 * the forwarded layer from its bandwidth estimate (transport-cc or REMB) and
 * the layer scores, and never goes above the preferred layer; for a viewer
 * without an estimate, a LossLayerController moves the preferred layer by the
 * viewer's reported loss.
 */
export class MediasoupConsumer extends EventEmitter<RtcConsumerEvents> implements RtcConsumer {
  readonly kind: MediaKind;
  private readonly lossControl?: LossLayerController;

  constructor(
    readonly consumer: types.Consumer,
    /** The RtcProducer's id (the source, not a pipe producer). */
    readonly producerId: string,
    /** The producer's simulcast layers. */
    layers: number,
    /**
     * The producer's layer 0 is a catch-up layer (bridge/catch-up-layer.ts): the consumer was created
     * preferring it, and once it plays it (its replayed keyframe came) it prefers the top layer, which
     * mediasoup switches to at that layer's next keyframe. Both layers carry the same picture, so there
     * is no loss control: a lower layer would not be cheaper.
     */
    startsOnLowestLayer = false,
  ) {
    super();
    this.kind = consumer.kind;
    if (startsOnLowestLayer) {
      // Any first layer: a first viewer's consumer, made before layer 0 had packets, may start on the top one.
      const moveUp = (current: types.ConsumerLayers | undefined) => {
        if (current === undefined) return;
        consumer.off('layerschange', moveUp);
        void consumer.setPreferredLayers({ spatialLayer: layers - 1 }).catch(() => undefined);
      };
      consumer.on('layerschange', moveUp);
    } else if (consumer.type === 'simulcast' && !hasBandwidthEstimation(consumer.rtpParameters)) {
      this.lossControl = new LossLayerController(consumer, layers - 1);
    }
    consumer.observer.once('close', () => {
      this.lossControl?.stop();
      this.emit('closed');
    });
    consumer.on('layerschange', (layers) => this.emit('layerchange', layers?.spatialLayer));
  }

  get id(): string {
    return this.consumer.id;
  }

  get currentLayer(): number | undefined {
    return this.consumer.type === 'simulcast' ? this.consumer.currentLayers?.spatialLayer : undefined;
  }

  get closed(): boolean {
    return this.consumer.closed;
  }

  setPreferredLayer(spatialLayer: number): void {
    if (this.lossControl) return this.lossControl.setCap(spatialLayer);
    void this.consumer.setPreferredLayers({ spatialLayer }).catch(() => undefined);
  }

  requestKeyFrame(): void {
    void this.consumer.requestKeyFrame().catch(() => undefined);
  }

  close(): void {
    this.consumer.close();
  }
}
