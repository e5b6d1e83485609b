import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '@mediaplane/observability';
import { LOGGER, WebSocketUpgradeGateway, refuseWith, type UpgradeDecision } from '@mediaplane/service-kit';
import { MediaConnectionsService } from '../limits/media-connections.service';
import { IngestMetrics } from '../observability/ingest-metrics';
import { PlaybackAccessService } from './playback-access.service';
import { parsePlaybackRequest } from './playback-url';
import { WsFlvSink } from './viewer-sinks';
import { wsFlvHubEncoder } from './ws-flv-hub-encoder';

/**
 * WebSocket-FLV play at `ws://HOST:PORT/live/{streamId}.flv`, on the same
 * HTTP server as HTTP-FLV (the raw server's 'upgrade' event; `ws` in
 * noServer mode). Refusals are answered as plain HTTP before the upgrade,
 * with the same status codes as HTTP-FLV. A stream published on another
 * ingest node is relayed from there (PlaybackAccessService.resolve).
 */
@Injectable()
export class WsFlvGateway extends WebSocketUpgradeGateway {
  constructor(
    adapterHost: HttpAdapterHost,
    private readonly access: PlaybackAccessService,
    private readonly connections: MediaConnectionsService,
    private readonly metrics: IngestMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    // Viewers send nothing we use; a small payload cap keeps a hostile client from making us buffer.
    super(adapterHost, { path: /^\/live\/([^/]+)$/, notFound: 'playback URLs are /live/{streamId}.flv', maxPayload: 4096 });
  }

  protected async decide(req: IncomingMessage): Promise<UpgradeDecision> {
    // The same reading of the URL as HTTP-FLV's (percent-decoding, limits, the token's two places).
    const request = parsePlaybackRequest(req.url ?? '', req.headers.authorization);
    if (request?.format !== 'flv') return refuseWith(404, 'playback URLs are /live/{streamId}.flv');
    const { streamId } = request;
    const access = await this.access.resolve(streamId, request.token);
    if (!access.ok) return refuseWith(access.status, access.message);
    // Gone while a relay was being opened: reserve nothing for it.
    if (req.socket.destroyed) return refuseWith(499, 'client closed the request');
    const grant = this.connections.acquire('wsflv', req.socket.remoteAddress);
    if (!grant.ok) return refuseWith(503, 'too many connections');
    return {
      accept: (ws, socket) => {
        const { session, counted } = access;
        if (session.isEnded) {
          grant.release();
          ws.close(1001, 'stream ended');
          return;
        }
        (req.socket as Partial<import('node:net').Socket>).setNoDelay?.(true);
        const viewer = session.hub.addViewer({
          id: `ws-${randomUUID()}`,
          protocol: 'wsflv',
          counted,
          encoder: wsFlvHubEncoder,
          sink: new WsFlvSink(ws, socket, this.metrics),
        });
        ws.on('error', (error) => this.logger.debug({ err: error, streamId }, 'ws-flv viewer error'));
        ws.once('close', () => {
          session.hub.removeViewer(viewer.id);
          grant.release();
        });
      },
    };
  }
}
