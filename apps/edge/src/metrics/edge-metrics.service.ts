import { Inject, Injectable } from '@nestjs/common';
import { counter, gauge, histogram, type Registry } from '@mediaplane/observability';
import { METRICS } from '@mediaplane/service-kit';

/**
 * Edge figures, labelled by object kind and outcome; only the viewer gauge
 * carries the (public) stream id. Never a token or an address.
 */
@Injectable()
export class EdgeMetrics {
  readonly requests;
  readonly cache;
  readonly originFetches;
  readonly originSeconds;
  readonly cacheBytes;
  readonly bytesServed;
  readonly hlsViewers;
  readonly viewersUntracked;
  readonly viewersOverAddressCap;

  constructor(@Inject(METRICS) registry: Registry) {
    this.requests = counter(registry, 'mediaplane_edge_requests_total', 'HLS requests by object kind and status', ['kind', 'status']);
    this.cache = counter(
      registry,
      'mediaplane_edge_cache_total',
      'How requests were served: hit, miss (fetched), coalesced (joined a fetch under way), stale (origin down)',
      ['kind', 'result'],
    );
    this.originFetches = counter(registry, 'mediaplane_edge_origin_fetches_total', 'Fetches from transcode origins by outcome', ['kind', 'outcome']);
    this.originSeconds = histogram(
      registry,
      'mediaplane_edge_origin_fetch_seconds',
      'Duration of origin fetches',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      ['kind'],
    );
    this.cacheBytes = gauge(registry, 'mediaplane_edge_cache_bytes', 'Bytes held by the object cache');
    this.bytesServed = counter(registry, 'mediaplane_edge_bytes_served_total', 'Body bytes sent to viewers', ['kind']);
    this.hlsViewers = gauge(
      registry,
      'mediaplane_edge_hls_viewers',
      'Distinct HLS viewers on this edge that fetched a media playlist or segment within the last three target durations',
      ['stream'],
    );
    this.viewersUntracked = counter(
      registry,
      'mediaplane_edge_viewers_untracked_total',
      'New HLS viewers served but not counted because EDGE_VIEWER_MAX_TRACKED viewers were already tracked',
    );
    this.viewersOverAddressCap = counter(
      registry,
      'mediaplane_edge_viewers_over_address_cap_total',
      'New HLS viewers served but not counted because their client address already had EDGE_VIEWER_MAX_PER_ADDRESS viewers of the stream',
    );
  }
}
