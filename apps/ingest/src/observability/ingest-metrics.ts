import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { counter, gauge, histogram, type Counter, type Gauge, type Histogram, type Registry } from '@mediaplane/observability';
import { METRICS } from '@mediaplane/service-kit';

/** One SRT publisher's link, as Prometheus series labelled by the (public) stream id. */
export interface SrtLinkMetrics {
  rttMs: Gauge<string>;
  bandwidthKbps: Gauge<string>;
  receiveRateKbps: Gauge<string>;
  receiveBufferMs: Gauge<string>;
  latencyMs: Gauge<string>;
  packetsReceived: Counter<string>;
  packetsLost: Counter<string>;
  packetsRetransmitted: Counter<string>;
  packetsDropped: Counter<string>;
}

/** Bytes sent over one protocol since the metrics last went into the counter. */
export interface ByteTally {
  bytes: number;
}

/**
 * The ingest's Prometheus metrics. Labels are protocols, reasons and error
 * codes, and the public stream id for per-stream series (SRT links, removed
 * when the publisher leaves): never stream keys, tokens or addresses. Hot-path byte counts
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
  readonly directSends: Counter<string>;
  readonly publishRejections: Counter<string>;
  readonly authFailures: Counter<string>;
  readonly authThrottleStoreErrors: Counter<string>;
  readonly relayPulls: Gauge<string>;
  readonly relayViewers: Gauge<string>;
  readonly relayReconnects: Counter<string>;
  readonly connectionsRefused: Counter<string>;
  readonly protocolErrors: Counter<string>;
  readonly streamsStarted: Counter<string>;
  readonly playRefusals: Counter<string>;
  readonly timestampCorrections: Counter<'track' | 'correction'>;
  readonly snapshotSeconds: Histogram<string>;
  readonly srtLink: SrtLinkMetrics;
  private readonly tallyOut = new Map<string, ByteTally>();
  private readonly pendingIn = new Map<string, number>();
  private readonly pendingDirect = { whole: 0, passedOn: 0 };
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
    this.directSends = counter(
      registry,
      'mediaplane_ingest_fanout_direct_sends_total',
      "Live batches the fan-out addon sent straight to viewers' sockets: taken whole, or passed on to the socket's own queue (its buffer was full)",
      ['outcome'],
    );
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
    this.relayPulls = gauge(
      registry,
      'mediaplane_ingest_relay_pulls',
      'Streams published on another node that this node pulls for its own viewers (one pull per stream)',
    );
    this.relayViewers = gauge(registry, 'mediaplane_ingest_relay_viewers', 'Viewers this node serves from relay pulls', ['protocol']);
    this.relayReconnects = counter(
      registry,
      'mediaplane_ingest_relay_reconnects_total',
      'Relay pulls opened again after breaking while the stream was still live',
      ['reason'],
    );
    this.connectionsRefused = counter(registry, 'mediaplane_ingest_connections_refused_total', 'Connections refused by limits', ['reason']);
    this.protocolErrors = counter(registry, 'mediaplane_ingest_protocol_errors_total', 'Connections closed for protocol violations, limits or timeouts', [
      'code',
    ]);
    this.streamsStarted = counter(registry, 'mediaplane_ingest_streams_started_total', 'Publish sessions accepted', ['protocol']);
    this.playRefusals = counter(
      registry,
      'mediaplane_ingest_play_refusals_total',
      'Plays refused for what the player can take (codec_not_announced: E-RTMP codecs its connect did not announce)',
      ['reason'],
    );
    this.timestampCorrections = counter(
      registry,
      'mediaplane_ingest_timestamp_corrections_total',
      'Publisher timestamps rewritten to keep a track monotonic and near real time (jumps, wraps, frozen clocks, jitter)',
      ['track', 'correction'],
    );
    this.snapshotSeconds = histogram(registry, 'mediaplane_ingest_snapshot_seconds', 'Time to decode a snapshot', [0.05, 0.1, 0.25, 0.5, 1, 2, 5]);
    const perStream = ['stream_id'] as const;
    this.srtLink = {
      rttMs: gauge(registry, 'mediaplane_ingest_srt_rtt_ms', 'Round-trip time of the SRT publisher link', [...perStream]),
      bandwidthKbps: gauge(registry, 'mediaplane_ingest_srt_bandwidth_kbps', 'Estimated bandwidth of the SRT publisher link', [...perStream]),
      receiveRateKbps: gauge(registry, 'mediaplane_ingest_srt_receive_rate_kbps', 'Rate received from the SRT publisher', [...perStream]),
      receiveBufferMs: gauge(registry, 'mediaplane_ingest_srt_receive_buffer_ms', 'SRT receive buffer occupancy (ms of media)', [...perStream]),
      latencyMs: gauge(registry, 'mediaplane_ingest_srt_latency_ms', 'Negotiated SRT latency of the publisher link', [...perStream]),
      packetsReceived: counter(registry, 'mediaplane_ingest_srt_packets_received_total', 'SRT packets received from the publisher', [...perStream]),
      packetsLost: counter(registry, 'mediaplane_ingest_srt_packets_lost_total', 'SRT packets found missing (most then retransmitted)', [...perStream]),
      packetsRetransmitted: counter(registry, 'mediaplane_ingest_srt_packets_retransmitted_total', 'SRT packets received again after a loss', [...perStream]),
      packetsDropped: counter(registry, 'mediaplane_ingest_srt_packets_dropped_total', 'SRT packets given up on (too late for the latency)', [...perStream]),
    };
    this.timer = setInterval(() => this.flush(), 1000);
    this.timer.unref();
  }

  /**
   * The running count of bytes sent over `protocol`, the same object for
   * every caller. A viewer's sink adds to it on every write: with a lookup
   * by protocol per write instead, two Map operations per viewer per batch
   * showed in the fan-out's profile.
   */
  bytesOutTally(protocol: string): ByteTally {
    let tally = this.tallyOut.get(protocol);
    if (tally === undefined) {
      tally = { bytes: 0 };
      this.tallyOut.set(protocol, tally);
    }
    return tally;
  }

  /** Summed per flush by the hubs, moved into the counter with the byte counts. */
  addDirectSends(whole: number, passedOn: number): void {
    this.pendingDirect.whole += whole;
    this.pendingDirect.passedOn += passedOn;
  }

  addBytesIn(protocol: string, bytes: number): void {
    this.pendingIn.set(protocol, (this.pendingIn.get(protocol) ?? 0) + bytes);
  }

  flush(): void {
    for (const [protocol, tally] of this.tallyOut) {
      if (tally.bytes > 0) this.bytesOut.inc({ protocol }, tally.bytes);
      tally.bytes = 0;
    }
    for (const [protocol, bytes] of this.pendingIn) this.bytesIn.inc({ protocol }, bytes);
    this.pendingIn.clear();
    if (this.pendingDirect.whole > 0) this.directSends.inc({ outcome: 'whole' }, this.pendingDirect.whole);
    if (this.pendingDirect.passedOn > 0) this.directSends.inc({ outcome: 'passed_on' }, this.pendingDirect.passedOn);
    this.pendingDirect.whole = 0;
    this.pendingDirect.passedOn = 0;
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
