import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HubEncoder, StreamHub } from '@mediaplane/media-io';
import { dropDocumentSecurityHeaders } from '@mediaplane/service-kit';
import type { IngestMetrics } from '../observability/ingest-metrics';
import { HttpFlvSink } from './viewer-sinks';

export interface HubHttpBody {
  hub: StreamHub;
  /** Viewer id (unique in the hub) and protocol label. */
  id: string;
  protocol: string;
  counted: boolean;
  encoder: HubEncoder;
  contentType: string;
  metrics: IngestMetrics;
  /** Label of the bytes-out metric. */
  bytesLabel: string;
  /** Gives the connection budget back once the viewer is gone. */
  release: () => void;
}

/**
 * Serves a hub's stream as a close-delimited HTTP body (HTTP-FLV, the internal MPEG-TS pull): no Content-Length and
 * no chunked encoding, so the sink writes the encoder's bytes straight to the socket. HEAD gets the headers only.
 * The viewer leaves the hub, and the budget is released, when the response closes.
 */
export function serveHubHttpBody(req: IncomingMessage, res: ServerResponse, body: HubHttpBody): void {
  dropDocumentSecurityHeaders(res);
  res.statusCode = 200;
  res.setHeader('Content-Type', body.contentType);
  res.setHeader('Cache-Control', 'no-cache, no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Connection', 'close');
  // Removing them (even unset) tells Node not to add chunked encoding: the body is delimited by the close.
  res.removeHeader('Transfer-Encoding');
  res.removeHeader('Content-Length');
  if (req.method === 'HEAD') {
    // The body bytes go straight to the socket, so a HEAD is answered here, with the headers only.
    body.release();
    res.end();
    return;
  }
  res.flushHeaders();
  const socket = req.socket;
  socket.setNoDelay(true);
  const viewer = body.hub.addViewer({
    id: body.id,
    protocol: body.protocol,
    counted: body.counted,
    encoder: body.encoder,
    sink: new HttpFlvSink(res, socket, body.metrics, body.bytesLabel),
  });
  const detach = (): void => {
    body.hub.removeViewer(viewer.id);
    body.release();
  };
  res.once('close', detach);
  if (res.destroyed) detach();
}
