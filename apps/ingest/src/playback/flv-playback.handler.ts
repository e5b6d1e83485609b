import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { flvHubEncoder, nextViewerId } from '@mediaplane/media-io';
import { sendJsonError } from '@mediaplane/service-kit';
import { MediaConnectionsService } from '../limits/media-connections.service';
import { IngestMetrics } from '../observability/ingest-metrics';
import { PlaybackAccessService } from './playback-access.service';
import { parsePlaybackRequest } from './playback-url';
import { TsPullService } from './ts-pull.service';
import { serveHubHttpBody } from './hub-http-body';

/** Where the ingest's media streams are served (HTTP-FLV, the internal TS pull), below Express (main.ts). */
export const PLAYBACK_PATH_PREFIX = '/live/';

/** A preflight's answer, on top of the Allow-Origin every playback response has. */
const PREFLIGHT_HEADERS = {
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers': 'Range, Content-Type',
  'Access-Control-Max-Age': '86400',
} as const;

/**
 * HTTP-FLV play at `GET /live/{streamId}.flv` (the same URL serves internal
 * pulls, whose internal token or ticket comes in `Authorization: Bearer`). A stream published on another ingest node
 * is relayed from there (PlaybackAccessService.resolve). The body is an endless FLV: header, the
 * GOP cache, then live tags, written as the hub hands them over. `GET /live/{streamId}.ts` is the
 * internal MPEG-TS pull (TsPullService).
 *
 * Served on Node's own request and response, not through Express and Nest (routeBelowExpress):
 * what they attach to a request stayed alive for as long as the viewer watched.
 */
@Injectable()
export class FlvPlaybackHandler {
  constructor(
    private readonly access: PlaybackAccessService,
    private readonly connections: MediaConnectionsService,
    private readonly metrics: IngestMetrics,
    private readonly tsPull: TsPullService,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      for (const [name, value] of Object.entries(PREFLIGHT_HEADERS)) res.setHeader(name, value);
      res.writeHead(204).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD, OPTIONS');
      return sendJsonError(res, 405, 'playback URLs take GET, HEAD and OPTIONS');
    }
    const request = parsePlaybackRequest(req.url ?? '', req.headers.authorization);
    if (!request) return sendJsonError(res, 404, 'playback URLs are /live/{streamId}.flv');
    if (request.format === 'ts') return this.tsPull.serve(request.streamId, request.token, req, res);
    await this.playFlv(request.streamId, request.token, req, res);
  }

  private async playFlv(streamId: string, token: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const access = await this.access.resolve(streamId, token);
    if (!access.ok) return sendJsonError(res, access.status, access.message);
    if (res.destroyed || access.session.isEnded) {
      // The viewer left, or the stream ended, while a relay was being opened.
      if (!res.destroyed) sendJsonError(res, 404, `stream ${streamId} has ended`);
      return;
    }
    const grant = this.connections.acquire('flv', req.socket.remoteAddress);
    if (!grant.ok) return sendJsonError(res, 503, 'too many connections');

    const { session, counted } = access;
    serveHubHttpBody(req, res, {
      hub: session.hub,
      id: nextViewerId('flv'),
      protocol: 'flv',
      counted,
      encoder: flvHubEncoder,
      contentType: 'video/x-flv',
      metrics: this.metrics,
      bytesLabel: 'flv',
      release: () => grant.release(),
    });
  }
}
