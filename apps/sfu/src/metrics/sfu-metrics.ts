import { Inject, Injectable } from '@nestjs/common';
import { counter, gauge, histogram, type Counter, type Gauge, type Histogram, type Registry } from '@mediaplane/observability';
import { METRICS } from '@mediaplane/service-kit';

/** The SFU's Prometheus metrics. Labels are kinds, reasons and engines only: never stream keys, tokens or addresses. */
@Injectable()
export class SfuMetrics {
  readonly publishers: Gauge<string>;
  readonly viewers: Gauge<string>;
  readonly engineObjects: Gauge<string>;
  readonly sessionsStarted: Counter<string>;
  readonly refusals: Counter<string>;
  readonly authFailures: Counter<string>;
  readonly bridges: Gauge<string>;
  readonly ingestBridges: Gauge<string>;
  readonly bridgeStarts: Counter<string>;
  readonly bridgeRestarts: Counter<string>;
  readonly bridgeReencodes: Counter<string>;
  readonly bridgeKeyframeWait: Histogram<string>;
  readonly bridgeCatchUpReplays: Counter<string>;

  constructor(@Inject(METRICS) registry: Registry) {
    this.publishers = gauge(registry, 'mediaplane_sfu_publishers', 'Live WebRTC publishers (WHIP, room participants) on this node', ['kind']);
    this.viewers = gauge(registry, 'mediaplane_sfu_viewers', 'WebRTC viewers (WHEP, room subscriptions) on this node', ['kind']);
    this.engineObjects = gauge(registry, 'mediaplane_sfu_engine_objects', 'Objects alive in the WebRTC engine', ['engine', 'object']);
    this.sessionsStarted = counter(registry, 'mediaplane_sfu_sessions_started_total', 'WebRTC sessions accepted', ['kind']);
    this.refusals = counter(registry, 'mediaplane_sfu_refusals_total', 'Refused WHIP/WHEP/room requests', ['kind', 'reason']);
    this.authFailures = counter(registry, 'mediaplane_sfu_auth_failures_total', 'Failed publish authorizations and token checks', ['kind', 'reason']);
    this.ingestBridges = gauge(registry, 'mediaplane_sfu_ingest_bridges', 'WHIP streams relayed into an ingest node right now');
    this.bridgeStarts = counter(registry, 'mediaplane_sfu_ingest_bridge_starts_total', 'Ingest bridges asked for, by outcome', ['outcome']);
    this.bridgeRestarts = counter(registry, 'mediaplane_sfu_ingest_bridge_restarts_total', 'Bridge FFmpeg restarts (crash, stall, lost ingest)');
    this.bridges = gauge(registry, 'mediaplane_sfu_bridges', 'RTMP/SRT → WebRTC bridges running on this node (one FFmpeg each), by mode', ['mode']);
    this.bridgeReencodes = counter(
      registry,
      'mediaplane_sfu_bridge_reencodes_total',
      'Re-encoding bridge FFmpeg runs started (passthrough runs are not counted)',
    );
    this.bridgeKeyframeWait = histogram(
      registry,
      'mediaplane_sfu_bridge_keyframe_wait_seconds',
      'From a bridged WHEP viewer joining to the next keyframe the bridge sent (the first viewer includes FFmpeg starting)',
      [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8],
      ['mode'],
    );
    this.bridgeCatchUpReplays = counter(
      registry,
      'mediaplane_sfu_bridge_catch_up_replays_total',
      "Cached GOPs replayed on a bridge's catch-up layer for joining WHEP viewers",
    );
  }
}
