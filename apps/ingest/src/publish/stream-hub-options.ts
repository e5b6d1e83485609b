import { FANOUT_ADDON, loadDirectSender, type StreamHubOptions } from '@mediaplane/media-io';
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
    ...directSending(config, metrics, logger),
    onViewerDrop: (viewer, frames) => metrics.viewerDrops.inc({ protocol: viewer.protocol }, frames),
    onViewerStalled: (viewer) => {
      metrics.viewerStalls.inc({ protocol: viewer.protocol });
      logger.info({ streamId, viewer: viewer.id, protocol: viewer.protocol, droppedFrames: viewer.droppedFrames }, 'viewer disconnected: stayed behind');
    },
  };
}

let missingAddonLogged = false;

/** The fan-out addon when the config asks for it and it is built; a missing addon is logged once and costs only speed. */
function directSending(config: IngestConfig, metrics: IngestMetrics, logger: Logger): Pick<StreamHubOptions, 'directSender' | 'onDirectSends'> {
  if (!config.INGEST_FANOUT_DIRECT_SEND) return {};
  const directSender = loadDirectSender();
  if (!directSender) {
    if (!missingAddonLogged)
      logger.warn(
        `the fan-out addon is not built (${FANOUT_ADDON.relativeDir.join('/')}): viewers are written through Node's sockets, at a higher CPU cost per viewer`,
      );
    missingAddonLogged = true;
    return {};
  }
  return { directSender, onDirectSends: (whole, passedOn) => metrics.addDirectSends(whole, passedOn) };
}
