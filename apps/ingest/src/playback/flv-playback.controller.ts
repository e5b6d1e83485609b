import {
  Controller,
  Get,
  HttpException,
  HttpStatus,
  NotFoundException,
  Options,
  Param,
  Req,
  Res,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { flvHubEncoder } from '@mediaplane/media-io';
import { MediaConnectionsService } from '../limits/media-connections.service';
import { IngestMetrics } from '../observability/ingest-metrics';
import { toHttpError } from './playback-http-error';
import { PlaybackAccessService } from './playback-access.service';
import { parseFlvPath, parseTsPullPath, requestPlaybackToken } from './playback-url';
import { TsPullService } from './ts-pull.service';
import { serveHubHttpBody } from './hub-http-body';

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, OPTIONS',
  'Access-Control-Allow-Headers': 'Range, Content-Type',
  'Access-Control-Max-Age': '86400',
} as const;

/**
 * HTTP-FLV play at `GET /live/{streamId}.flv` (the same URL serves internal
 * pulls, whose internal token or ticket comes in `Authorization: Bearer`). A stream published on another ingest node
 * is relayed from there (PlaybackAccessService.resolve). The body is an endless FLV: header, the
 * GOP cache, then live tags, written as the hub hands them over. `GET /live/{streamId}.ts` is the
 * internal MPEG-TS pull (TsPullService).
 */
@ApiExcludeController()
@Controller('live')
export class FlvPlaybackController {
  constructor(
    private readonly access: PlaybackAccessService,
    private readonly connections: MediaConnectionsService,
    private readonly metrics: IngestMetrics,
    private readonly tsPull: TsPullService,
  ) {}

  @Options(':file')
  preflight(@Res() res: Response): void {
    res.set(CORS_HEADERS).status(204).end();
  }

  @Get(':file')
  async play(@Param('file') file: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    res.set(CORS_HEADERS);
    const tsStreamId = parseTsPullPath(file);
    if (tsStreamId !== undefined) return this.tsPull.serve(tsStreamId, req, res);
    const streamId = parseFlvPath(file);
    if (streamId === undefined) throw new NotFoundException('playback URLs are /live/{streamId}.flv');
    const access = await this.access.resolve(streamId, requestPlaybackToken(req.query['token'], req.headers.authorization));
    if (!access.ok) throw toHttpError(access);
    if (res.destroyed || access.session.isEnded) {
      // The viewer left, or the stream ended, while a relay was being opened.
      if (!res.destroyed) throw new NotFoundException(`stream ${streamId} has ended`);
      return;
    }
    const grant = this.connections.acquire('flv', req.socket.remoteAddress);
    if (!grant.ok) throw new HttpException('too many connections', HttpStatus.SERVICE_UNAVAILABLE);

    const { session, counted } = access;
    serveHubHttpBody(req, res, {
      hub: session.hub,
      id: `flv-${randomUUID()}`,
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
