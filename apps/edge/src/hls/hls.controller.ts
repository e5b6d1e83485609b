import { Controller, Get, Inject, Options, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { mintViewerSessionId } from '@mediaplane/sessions';
import { APP_CONFIG } from '@mediaplane/service-kit';
import { checkPlaybackAccess } from '../access/playback-access';
import type { EdgeConfig } from '../edge.config';
import { EdgeMetrics } from '../metrics/edge-metrics.service';
import { HlsViewerTracker } from '../viewers/hls-viewer-tracker.service';
import { sessionIdOf } from '../viewers/viewer-identity';
import { HlsPathError, isPlaylist, parseHlsRequest, type HlsObject } from './hls-object';
import { byteRangeOf } from './byte-range';
import { HLS_GAP, HlsDeliveryService } from './hls-delivery.service';
import { playlistQuery } from './playlist-query';
import { addQueryToPlaylist } from './playlist-query-rewriter';
import { targetDurationOf } from './playlist-target-duration';

const CORS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers': 'Range, Origin, Accept, Content-Type',
  'Access-Control-Expose-Headers': 'Content-Length, Content-Type, Content-Range, Accept-Ranges, X-Cache',
  'Access-Control-Max-Age': '86400',
};

/**
 * `GET /hls/{streamId}/master.m3u8`, `…/{rendition}/index.m3u8`, segments and
 * the thumbnail, for any stream whichever worker produces it. Every answer,
 * errors included, carries CORS headers so web players on any origin can
 * read it; errors are JSON `{statusCode, error, message}`.
 */
@Controller('hls')
export class HlsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: EdgeConfig,
    private readonly delivery: HlsDeliveryService,
    private readonly metrics: EdgeMetrics,
    private readonly viewers: HlsViewerTracker,
  ) {}

  @Options('*path')
  preflight(@Res() res: Response): void {
    res.set(CORS).status(204).end();
  }

  @Get('*path')
  async serve(@Req() req: Request, @Res() res: Response): Promise<void> {
    res.set(CORS);
    // The raw path, before Express decodes anything: traversal attempts are judged as sent.
    const [rawPath = '', rawQuery = ''] = req.originalUrl.split('?', 2);
    const query = new URLSearchParams(rawQuery);
    let streamId: string;
    let object: HlsObject;
    try {
      ({ streamId, object } = parseHlsRequest(rawPath, query, { llHls: this.config.EDGE_LL_HLS }));
    } catch (error) {
      if (error instanceof HlsPathError) return this.fail(res, 'invalid', error.status, error.message);
      throw error;
    }
    const location = await this.delivery.locate(streamId);
    if (!location.origin && !isPlaylist(object))
      return location.live ? this.fail(res, object.kind, HLS_GAP.status, HLS_GAP.message) : this.fail(res, object.kind, 404, 'unknown stream');
    const token = query.get('token');
    const access = checkPlaybackAccess(this.config.MEDIAPLANE_PLAYBACK_SECRET, streamId, location.private, token);
    if (!access.ok) return this.fail(res, object.kind, access.status, access.message);

    const result = await this.delivery.deliver(streamId, location, object);
    if (!result.ok) return this.fail(res, object.kind, result.status, result.message);
    if (result.object.status !== 200) {
      // A live stream's playlist not there yet (a new worker's first segment is coming) is a gap too.
      if (location.live && isPlaylist(object)) return this.fail(res, object.kind, HLS_GAP.status, HLS_GAP.message);
      return this.fail(res, object.kind, 404, `no such ${object.kind === 'segment' ? 'segment' : 'object'} (any more)`);
    }
    this.metrics.cache.inc({ kind: object.kind, result: result.cache });
    // Internal fetches (transcode, tools with an internal token) are served but are not viewers.
    const viewer = access.scope !== 'internal';
    const secret = this.config.MEDIAPLANE_PLAYBACK_SECRET;
    const sessionId = this.config.EDGE_VIEWER_SESSION_IDS ? sessionIdOf(query, secret, streamId) : undefined;
    if (viewer && req.method === 'GET' && (object.kind === 'media' || object.kind === 'segment')) {
      this.viewers.seen(streamId, { sessionId, address: req.socket.remoteAddress, userAgent: req.get('user-agent'), token });
      const targetDuration = object.kind === 'media' ? targetDurationOf(result.object.body) : undefined;
      if (targetDuration !== undefined) this.viewers.targetDuration(streamId, targetDuration);
    }
    let body = result.object.body;
    let personal = location.private;
    if (isPlaylist(object)) {
      const extra = playlistQuery({
        kind: object.kind,
        isPrivate: location.private,
        token,
        scope: access.scope,
        sessionIds: this.config.EDGE_VIEWER_SESSION_IDS,
        sessionId,
        newSessionId: () => mintViewerSessionId(secret, streamId),
      });
      personal = extra.personal;
      if (extra.params.length > 0) body = Buffer.from(addQueryToPlaylist(body.toString('utf8'), extra.params), 'utf8');
    }
    res.setHeader('Content-Type', result.object.contentType);
    res.setHeader('Cache-Control', cacheControl(object, personal));
    res.setHeader('X-Cache', result.cache.toUpperCase());
    let status = 200;
    if (!isPlaylist(object)) {
      // Media objects never change once published: byte ranges of them are stable, so players may resume or probe.
      res.setHeader('Accept-Ranges', 'bytes');
      const range = byteRangeOf(req.get('range'), body.length);
      if (range.kind === 'unsatisfiable') {
        res.setHeader('Content-Range', `bytes */${body.length}`);
        return this.fail(res, object.kind, 416, 'range: not satisfiable');
      }
      if (range.kind === 'partial') {
        res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${body.length}`);
        body = body.subarray(range.start, range.end + 1);
        status = 206;
      }
    }
    res.status(status);
    res.setHeader('Content-Length', String(body.length));
    this.metrics.requests.inc({ kind: object.kind, status: String(status) });
    this.metrics.bytesServed.inc({ kind: object.kind }, req.method === 'HEAD' ? 0 : body.length);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private fail(res: Response, kind: string, status: number, message: string): void {
    this.metrics.requests.inc({ kind, status: String(status) });
    const error =
      {
        400: 'Bad Request',
        401: 'Unauthorized',
        403: 'Forbidden',
        404: 'Not Found',
        416: 'Range Not Satisfiable',
        502: 'Bad Gateway',
        503: 'Service Unavailable',
        504: 'Gateway Timeout',
      }[status] ?? 'Error';
    res.setHeader('Cache-Control', 'no-store');
    if (status === 503) res.setHeader('Retry-After', '1');
    res.status(status).json({ statusCode: status, error, message });
  }
}

/**
 * Playlists change every segment: a second (master: two) of caching at most.
 * Segment names are unique per producer and sequence number, so a segment
 * never changes: immutable. Private streams, and masters that carry a fresh
 * viewer session id, are never stored by shared caches.
 */
function cacheControl(object: HlsObject, isPrivate: boolean): string {
  const scope = isPrivate ? 'private' : 'public';
  switch (object.kind) {
    case 'segment':
      return `${scope}, max-age=31536000, immutable`;
    case 'master':
      return `${scope}, max-age=2`;
    case 'media':
      return `${scope}, max-age=1`;
    case 'thumbnail':
      return `${scope}, max-age=2`;
  }
}
