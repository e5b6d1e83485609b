import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { flvHubEncoder } from '@mediaplane/media-io';
import type { Logger } from '@mediaplane/observability';
import { LOGGER, refuseUpgrade } from '@mediaplane/service-kit';
import { MediaConnectionsService } from '../limits/media-connections.service';
import { IngestMetrics } from '../observability/ingest-metrics';
import { PlaybackAccessService } from './playback-access.service';
import { parseFlvPath, playbackToken } from './playback-url';
import { wsFlvSink } from './viewer-sinks';

/**
 * WebSocket-FLV play at `ws://HOST:PORT/live/{streamId}.flv`, on the same
 * HTTP server as HTTP-FLV (the raw server's 'upgrade' event; `ws` in
 * noServer mode). Refusals are answered as plain HTTP before the upgrade,
 * with the same status codes as HTTP-FLV.
 */
@Injectable()
export class WsFlvGateway implements OnApplicationBootstrap, OnModuleDestroy {
  // Viewers send nothing we use; a small payload cap keeps a hostile client from making us buffer.
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 4096, clientTracking: false });
  private server?: Server;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly access: PlaybackAccessService,
    private readonly connections: MediaConnectionsService,
    private readonly metrics: IngestMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.server.on('upgrade', this.onUpgrade);
  }

  onModuleDestroy(): void {
    this.server?.off('upgrade', this.onUpgrade);
    this.wss.close();
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://ingest');
    } catch {
      return refuseUpgrade(socket, 400, 'malformed URL');
    }
    const match = /^\/live\/([^/]+)$/.exec(url.pathname);
    const streamId = match ? parseFlvPath(match[1] as string) : undefined;
    if (streamId === undefined) return refuseUpgrade(socket, 404, 'playback URLs are /live/{streamId}.flv');
    const access = this.access.check(streamId, playbackToken(url.searchParams.get('token') ?? undefined));
    if (!access.ok) return refuseUpgrade(socket, access.status, access.message);
    const grant = this.connections.acquire('wsflv', req.socket.remoteAddress);
    if (!grant.ok) return refuseUpgrade(socket, 503, 'too many connections');
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
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
        encoder: flvHubEncoder,
        sink: wsFlvSink(ws, socket, this.metrics),
      });
      ws.on('error', (error) => this.logger.debug({ err: error, streamId }, 'ws-flv viewer error'));
      ws.once('close', () => {
        session.hub.removeViewer(viewer.id);
        grant.release();
      });
    });
  };
}
