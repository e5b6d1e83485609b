import { Module, type Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { CommonConfig } from '@mediaplane/config';
import { CaptureDeviceStore, HlsViewerStore, LiveStreamStore, NodeRegistry, RelayViewerStore, TakeoverFlags, WebrtcBridgeStore } from '@mediaplane/sessions';
import { APP_CONFIG, REDIS } from './service-context';

/** A store of @mediaplane/sessions on this app's Redis connection and namespace. */
function storeProvider(store: new (redis: Redis, namespace: string) => object): Provider {
  return {
    provide: store,
    useFactory: (redis: Redis, config: CommonConfig) => new store(redis, config.MEDIAPLANE_NAMESPACE),
    inject: [REDIS, APP_CONFIG],
  };
}

const stores = [LiveStreamStore, NodeRegistry, HlsViewerStore, RelayViewerStore, WebrtcBridgeStore, TakeoverFlags, CaptureDeviceStore];

/**
 * The cluster-wide state stores (live streams, the node registry, HLS and relay
 * viewer counts, WebRTC bridges, takeover flags) as injectable classes, so feature modules import this module
 * instead of building stores with `new` in their constructors.
 */
@Module({
  providers: stores.map(storeProvider),
  exports: stores,
})
export class SessionStoresModule {}
