import { Inject, Injectable } from '@nestjs/common';
import { counter, gauge, type Counter, type Gauge, type Registry } from '@mediaplane/observability';
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
  readonly bridgeStarts: Counter<string>;
  readonly bridgeRestarts: Counter<string>;

  constructor(@Inject(METRICS) registry: Registry) {
    this.publishers = gauge(registry, 'mediaplane_sfu_publishers', 'Live WebRTC publishers (WHIP, room participants) on this node', ['kind']);
    this.viewers = gauge(registry, 'mediaplane_sfu_viewers', 'WebRTC viewers (WHEP, room subscriptions) on this node', ['kind']);
    this.engineObjects = gauge(registry, 'mediaplane_sfu_engine_objects', 'Objects alive in the WebRTC engine', ['engine', 'object']);
    this.sessionsStarted = counter(registry, 'mediaplane_sfu_sessions_started_total', 'WebRTC sessions accepted', ['kind']);
    this.refusals = counter(registry, 'mediaplane_sfu_refusals_total', 'Refused WHIP/WHEP/room requests', ['kind', 'reason']);
    this.authFailures = counter(registry, 'mediaplane_sfu_auth_failures_total', 'Failed publish authorizations and token checks', ['kind', 'reason']);
    this.bridges = gauge(registry, 'mediaplane_sfu_ingest_bridges', 'WHIP streams relayed into an ingest node right now');
    this.bridgeStarts = counter(registry, 'mediaplane_sfu_ingest_bridge_starts_total', 'Ingest bridges asked for, by outcome', ['outcome']);
    this.bridgeRestarts = counter(registry, 'mediaplane_sfu_ingest_bridge_restarts_total', 'Bridge FFmpeg restarts (crash, stall, lost ingest)');
  }
}
