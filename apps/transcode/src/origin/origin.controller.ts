import { Controller, Get, NotFoundException, Param, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { ServingJobs } from '../hls/serving-jobs';
import type { TranscodeJob } from '../jobs/transcode-job';
import { InternalTokenGuard } from './internal-token.guard';

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const SEGMENT = /^s\d{1,12}-[a-f0-9]{6}\.ts$/;
const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';

/**
 * The HLS origin edges fetch from: playlists are rendered from the job's
 * in-memory model, segments are served from the work folder only when the
 * model lists them (names are looked up, never joined into paths).
 * Query parameters are ignored today; LL-HLS blocking reloads will read
 * `_HLS_msn`/`_HLS_part` here.
 */
@Controller('origin/hls')
@UseGuards(InternalTokenGuard)
export class OriginController {
  constructor(private readonly serving: ServingJobs) {}

  @Get(':streamId/master.m3u8')
  master(@Param('streamId') streamId: string, @Res() res: Response): void {
    const body = this.job(streamId).masterPlaylist();
    if (!body) throw new NotFoundException('the stream has no segments yet');
    this.playlist(res, body);
  }

  @Get(':streamId/thumbnail.jpg')
  thumbnail(@Param('streamId') streamId: string, @Res() res: Response): void {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(this.job(streamId).thumbnailFile(), (error) => {
      if (error && !res.headersSent) res.status(404).json({ statusCode: 404, error: 'Not Found', message: 'no thumbnail yet' });
    });
  }

  @Get(':streamId/:rendition/index.m3u8')
  media(@Param('streamId') streamId: string, @Param('rendition') rendition: string, @Res() res: Response): void {
    if (!NAME.test(rendition)) throw new NotFoundException('unknown rendition');
    const body = this.job(streamId).mediaPlaylist(rendition);
    if (!body) throw new NotFoundException('unknown rendition or no segments yet');
    this.playlist(res, body);
  }

  @Get(':streamId/:rendition/:segment')
  segment(@Param('streamId') streamId: string, @Param('rendition') rendition: string, @Param('segment') segment: string, @Res() res: Response): void {
    if (!NAME.test(rendition) || !SEGMENT.test(segment)) throw new NotFoundException('unknown segment');
    const file = this.job(streamId).segmentFile(rendition, segment);
    if (!file) throw new NotFoundException('segment is not (or no longer) available');
    res.setHeader('Content-Type', 'video/mp2t');
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.sendFile(file, (error) => {
      if (error && !res.headersSent) res.status(404).json({ statusCode: 404, error: 'Not Found', message: 'segment is no longer available' });
    });
  }

  private job(streamId: string): TranscodeJob {
    const job = NAME.test(streamId) ? this.serving.get(streamId) : undefined;
    if (!job) throw new NotFoundException('this worker does not serve the stream');
    return job;
  }

  private playlist(res: Response, body: string): void {
    res.setHeader('Content-Type', PLAYLIST_TYPE);
    res.setHeader('Cache-Control', 'no-cache');
    res.send(body);
  }
}
