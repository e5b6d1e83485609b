import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { SrtLinkStats } from '@mediaplane/contracts';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, LOGGER } from '@mediaplane/service-kit';
import type { IngestConfig } from '../ingest.config';
import { IngestMetrics } from '../observability/ingest-metrics';
import type { PublishSession } from '../publish/publish-session';
import type { SrtConnection } from '@mediaplane/srt';

interface SampledLink {
  session: PublishSession;
  connection: SrtConnection;
  /** The counters at the previous sample, so Prometheus counters grow by what changed. */
  last?: SrtLinkStats;
}

const COUNTERS = ['packetsReceived', 'packetsLost', 'packetsRetransmitted', 'packetsDropped'] as const;

/**
 * Samples every SRT publisher's link (libsrt's statistics) each
 * INGEST_STATS_INTERVAL_MS: into Prometheus, labelled by stream id, and
 * onto the session, whose next live-state refresh carries it (`link`) to
 * the API and the dashboard. A link's series are removed when it closes, so
 * ended streams leave no series behind.
 */
@Injectable()
export class SrtLinkSampler implements OnModuleDestroy {
  private readonly links = new Map<string, SampledLink>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly metrics: IngestMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) config: IngestConfig,
  ) {
    this.timer = setInterval(() => this.sampleAll(), config.INGEST_STATS_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  add(session: PublishSession, connection: SrtConnection): void {
    this.links.set(session.streamId, { session, connection });
    this.sample(this.links.get(session.streamId) as SampledLink);
  }

  remove(streamId: string, connection: SrtConnection): void {
    const link = this.links.get(streamId);
    if (link?.connection !== connection) return;
    this.links.delete(streamId);
    const labels = { stream_id: streamId };
    for (const metric of Object.values(this.metrics.srtLink)) metric.remove(labels);
  }

  sampleAll(): void {
    for (const link of this.links.values()) this.sample(link);
  }

  private sample(link: SampledLink): void {
    if (link.connection.isClosed) return;
    let stats: SrtLinkStats;
    try {
      stats = link.connection.stats();
    } catch (error) {
      this.logger.debug({ err: error, streamId: link.session.streamId }, 'srt link statistics not read');
      return;
    }
    link.session.link = stats;
    const labels = { stream_id: link.session.streamId };
    const m = this.metrics.srtLink;
    m.rttMs.set(labels, stats.rttMs);
    m.bandwidthKbps.set(labels, stats.bandwidthKbps);
    m.receiveRateKbps.set(labels, stats.receiveRateKbps);
    m.receiveBufferMs.set(labels, stats.receiveBufferMs);
    m.latencyMs.set(labels, stats.latencyMs);
    for (const name of COUNTERS) {
      const delta = stats[name] - (link.last?.[name] ?? 0);
      if (delta > 0) m[name].inc(labels, delta);
    }
    link.last = stats;
  }
}
