import { Controller, Get, Inject, NotFoundException, Param, Query, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { verifyPlaybackToken } from '@mediaplane/sessions';
import { APP_CONFIG } from '@mediaplane/service-kit';
import { AdminAuthenticator } from '../auth/admin-authenticator';
import type { ControlPlaneConfig } from '../control-plane.config';
import { errorRef } from '../http/api-docs.decorators';
import { SnapshotProxy } from './snapshot-proxy.service';
import { StreamsService } from './streams.service';

/**
 * `GET /api/v1/streams/{id}/snapshot.jpg` is a playback URL (PLATFORM.md):
 * a public stream's snapshot needs no credentials, a private one a playback
 * token (`?token=`) or the admin bearer token.
 */
@ApiTags('streams')
@Controller('api/v1/streams')
export class SnapshotController {
  constructor(
    private readonly streams: StreamsService,
    private readonly proxy: SnapshotProxy,
    private readonly admin: AdminAuthenticator,
    @Inject(APP_CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  @Get(':id/snapshot.jpg')
  @ApiOperation({
    summary: 'Latest snapshot of a live stream',
    description: 'Public streams: no credentials. Private streams: `?token=` playback token or the admin bearer token.',
  })
  @ApiBearerAuth()
  @ApiParam({ name: 'id', description: 'Public stream id.' })
  @ApiQuery({ name: 'token', required: false, description: 'Playback token (private streams).' })
  @ApiOkResponse({ description: 'A JPEG image.', content: { 'image/jpeg': { schema: { type: 'string', format: 'binary' } } } })
  @ApiUnauthorizedResponse({ description: 'Private stream without a valid token.', schema: errorRef() })
  @ApiNotFoundResponse({ description: 'Unknown stream, not live, or no keyframe yet.', schema: errorRef() })
  async snapshot(@Param('id') id: string, @Query('token') token: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    // A wrong admin token is refused (and counted) even on a public stream; none at all is fine.
    const adminVerdict = req.headers.authorization === undefined ? 'missing' : await this.admin.authenticate(req, res);
    const { definition } = await this.streams.require(id);
    if (definition.private && adminVerdict !== 'ok') this.checkPlaybackToken(id, token);
    const live = await this.streams.live.get(id);
    if (!live) throw new NotFoundException(`stream ${id} is not live`);
    const snapshot = await this.proxy.fetch(live);
    res.setHeader('Content-Type', snapshot.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.end(snapshot.body);
  }

  private checkPlaybackToken(id: string, token: unknown): void {
    if (typeof token !== 'string' || token.length === 0) throw new UnauthorizedException('this stream is private: a playback token (?token=) is required');
    const verdict = verifyPlaybackToken(this.config.MEDIAPLANE_PLAYBACK_SECRET, token, id);
    if (!verdict.ok) throw new UnauthorizedException(`playback token refused: ${verdict.reason}`);
  }
}
