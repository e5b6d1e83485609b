import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { counter, gauge, histogram, type Counter, type Gauge, type Histogram, type Registry } from '@mediaplane/observability';
import { METRICS } from '@mediaplane/service-kit';

/**
 * The ingest's Prometheus metrics. Labels are protocols, reasons and error
 * codes only: never stream keys, tokens or addresses. Hot-path byte counts
 * are summed in plain numbers and moved into the counters once a second,
 * so a frame written to 300 viewers costs no metric update.
 */
@Injectable()
export class IngestMetrics implements OnModuleDestroy {
  readonly publishers: Gauge<string>;
  readonly viewers: Gauge<string>;
  readonly internalPulls: Gauge<string>;
  readonly connections: Gauge<string>;
  readonly bytesIn: Counter<string>;
  readonly bytesOut: Counter<string>;
  readonly viewerDrops: Counter<string>;
  readonly viewerStalls: Counter<string>;
  readonly publishRejections: Counter<string>;
  readonly authFailures: Counter<string>;
  readonly authThrottleStoreErrors: Counter<string>;
  readonly relayPulls: Gauge<string>;
  readonly relayViewers: Gauge<string>;
  readonly relayReconnects: Counter<string>;
  readonly connectionsRefused: Counter<string>;
  readonly protocolErrors: Counter<string>;
  readonly streamsStarted: Counter<string>;
  readonly timestampCorrections: Counter<'track' | 'correction'>;
  readonly snapshotSeconds: Histogram<string>;
  private readonly pendingOut = new Map<string, number>();
  private readonly pendingIn = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(@Inject(METRICS) registry: Registry) {
    this.publishers = gauge(registry, 'mediaplane_ingest_publishers', 'Live publishers on this node', ['protocol']);
    this.viewers = gauge(registry, 'mediaplane_ingest_viewers', 'Viewers on this node (internal pulls excluded)', ['protocol']);
    this.internalPulls = gauge(registry, 'mediaplane_ingest_internal_pulls', 'Internal pulls (transcode, SFU bridge) attached');
    this.connections = gauge(registry, 'mediaplane_ingest_connections', 'Open media connections', ['listener']);
    this.bytesIn = counter(registry, 'mediaplane_ingest_bytes_in_total', 'Media payload bytes received from publishers', ['protocol']);
    this.bytesOut = counter(registry, 'mediaplane_ingest_bytes_out_total', 'Bytes written to viewers', ['protocol']);
    this.viewerDrops = counter(registry, 'mediaplane_ingest_viewer_drops_total', 'Frames skipped for viewers that fell behind', ['protocol']);
    this.viewerStalls = counter(registry, 'mediaplane_ingest_viewer_stalls_total', 'Viewers disconnected for staying behind', ['protocol']);
    this.publishRejections = counter(registry, 'mediaplane_ingest_publish_rejections_total', 'Refused publish attempts', ['reason']);
    this.authFailures = counter(registry, 'mediaplane_ingest_auth_failures_total', 'Failed publish authorizations and playback token checks', [
      'kind',
      'reason',
    ]);
    this.authThrottleStoreErrors = counter(
      registry,
      'mediaplane_ingest_auth_throttle_store_errors_total',
      "Redis errors of the cluster-wide publish-auth throttle (the node's own counts decided meanwhile)",
    );
    this.relayPulls = gauge(registry, 'mediaplane_ingest_relay_pulls', 'Streams published on another node that this node pulls for its own viewers (one pull per stream)');
    this.relayViewers = gauge(registry, 'mediaplane_ingest_relay_viewers', 'Viewers this node serves from relay pulls', ['protocol']);
    this.relayReconnects = counter(registry, 'mediaplane_ingest_relay_reconnects_total', 'Relay pulls opened again after breaking while the stream was still live', ['reason']);
    this.connectionsRefused = counter(registry, 'mediaplane_ingest_connections_refused_total', 'Connections refused by limits', ['reason']);
    this.protocolErrors = counter(registry, 'mediaplane_ingest_protocol_errors_total', 'Connections closed for protocol violations, limits or timeouts', [
      'code',
    ]);
    this.streamsStarted = counter(registry, 'mediaplane_ingest_streams_started_total', 'Publish sessions accepted', ['protocol']);
    this.timestampCorrections = counter(
      registry,
      'mediaplane_ingest_timestamp_corrections_total',
      'Publisher timestamps rewritten to keep a track monotonic and near real time (jumps, wraps, frozen clocks, jitter)',
      ['track', 'correction'],
    );
    this.snapshotSeconds = histogram(registry, 'mediaplane_ingest_snapshot_seconds', 'Time to decode a snapshot', [0.05, 0.1, 0.25, 0.5, 1, 2, 5]);
    this.timer = setInterval(() => this.flush(), 1000);
    this.timer.unref();
  }

  addBytesOut(protocol: string, bytes: number): void {
    this.pendingOut.set(protocol, (this.pendingOut.get(protocol) ?? 0) + bytes);
  }

  addBytesIn(protocol: string, bytes: number): void {
    this.pendingIn.set(protocol, (this.pendingIn.get(protocol) ?? 0) + bytes);
  }

  flush(): void {
    for (const [protocol, bytes] of this.pendingOut) this.bytesOut.inc({ protocol }, bytes);
    for (const [protocol, bytes] of this.pendingIn) this.bytesIn.inc({ protocol }, bytes);
    this.pendingOut.clear();
    this.pendingIn.clear();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
