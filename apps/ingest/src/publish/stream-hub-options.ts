import type { StreamHubOptions } from '@mediaplane/media-io';
import type { Logger } from '@mediaplane/observability';
import type { IngestConfig } from '../ingest.config';
import type { IngestMetrics } from '../observability/ingest-metrics';

/**
 * The fan-out settings of every hub on this node — a published stream's and
 * a relayed one's alike — with drops and stalls counted and stalls logged.
 */
export function streamHubOptions(config: IngestConfig, metrics: IngestMetrics, logger: Logger, streamId: string): StreamHubOptions {
  return {
    maxViewerQueueBytes: config.INGEST_VIEWER_QUEUE_BYTES,
    viewerStallTimeoutMs: config.INGEST_VIEWER_STALL_TIMEOUT_MS,
    gopCacheMaxBytes: config.INGEST_GOP_CACHE_MAX_BYTES,
    flushIntervalMs: config.INGEST_FANOUT_FLUSH_MS,
    onViewerDrop: (viewer, frames) => metrics.viewerDrops.inc({ protocol: viewer.protocol }, frames),
    onViewerStalled: (viewer) => {
      metrics.viewerStalls.inc({ protocol: viewer.protocol });
      logger.info({ streamId, viewer: viewer.id, protocol: viewer.protocol, droppedFrames: viewer.droppedFrames }, 'viewer disconnected: stayed behind');
    },
  };
}
