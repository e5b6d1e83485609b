import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { nextViewerId } from '@mediaplane/media-io';
import type { Logger } from '@mediaplane/observability';
import { LOGGER, WebSocketUpgradeGateway, refuseWith, type UpgradeDecision } from '@mediaplane/service-kit';
import type { HeldConnection } from '@mediaplane/sessions';
import { MediaConnectionsService } from '../limits/media-connections.service';
import { IngestMetrics } from '../observability/ingest-metrics';
import { PlaybackAccessService, type PlaybackSource } from './playback-access.service';
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
    const { session, counted } = access;
    return { accept: (ws, socket) => this.attach(ws, socket, session, counted, grant, streamId) };
  }

  /**
   * Adds the upgraded socket to the stream's hub. A method of its own, not the body of `accept`: the
   * listeners it leaves on the socket would otherwise keep `decide`'s scope, and the upgrade request
   * in it, for as long as the viewer watches (~1 KB a viewer in a heap snapshot).
   */
  private attach(ws: WebSocket, socket: Duplex, session: PlaybackSource, counted: boolean, grant: HeldConnection, streamId: string): void {
    if (session.isEnded) {
      grant.release();
      ws.close(1001, 'stream ended');
      return;
    }
    (socket as Partial<Socket>).setNoDelay?.(true);
    const viewer = session.hub.addViewer({
      id: nextViewerId('ws'),
      protocol: 'wsflv',
      counted,
      encoder: wsFlvHubEncoder,
      sink: new WsFlvSink(ws, socket, this.metrics),
    });
    ws.on('error', (error) => this.logger.debug({ err: error, streamId }, 'ws-flv viewer error'));
    // 'close' comes once; `on` spares the wrapper `once` would keep per viewer.
    ws.on('close', () => {
      session.hub.removeViewer(viewer.id);
      grant.release();
    });
  }
}
