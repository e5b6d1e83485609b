import {
  BadRequestException,
  Controller,
  ForbiddenException,
  Get,
  Headers,
  NotFoundException,
  Param,
  Res,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { Response } from 'express';
import { StreamIdSchema } from '@mediaplane/contracts';
import { APP_CONFIG } from '@mediaplane/service-kit';
import { verifyPlaybackToken } from '@mediaplane/sessions';
import { Inject } from '@nestjs/common';
import type { IngestConfig } from '../ingest.config';
import { IngestMetrics } from '../observability/ingest-metrics';
import { PublishSessionsService } from '../publish/publish-sessions.service';
import { SnapshotService, SnapshotUnavailableError } from './snapshot.service';

/**
 * `GET /internal/v1/streams/{id}/snapshot.jpg` with `Authorization: Bearer
 * <internal token for that stream>`: the control plane proxies its public
 * snapshot route here, to the node holding the stream.
 */
@Controller('internal/v1/streams')
export class SnapshotController {
  constructor(
    private readonly sessions: PublishSessionsService,
    private readonly snapshots: SnapshotService,
    private readonly metrics: IngestMetrics,
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
  ) {}

  @Get(':id/snapshot.jpg')
  async snapshot(@Param('id') id: string, @Headers('authorization') authorization: string | undefined, @Res() res: Response): Promise<void> {
    if (!StreamIdSchema.safeParse(id).success) throw new BadRequestException('id must be 1-64 of A-Z a-z 0-9 _ -');
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new UnauthorizedException('Authorization: Bearer <internal token> is required');
    const verdict = verifyPlaybackToken(this.config.MEDIAPLANE_PLAYBACK_SECRET, token, id);
    if (!verdict.ok || verdict.claims.scope !== 'internal') {
      this.metrics.authFailures.inc({ kind: 'snapshot', reason: verdict.ok ? 'wrong_scope' : verdict.reason });
      throw new ForbiddenException(
        verdict.ok ? 'an internal-scope token is required' : `token ${verdict.reason === 'expired' ? 'has expired' : 'is not valid for this stream'}`,
      );
    }
    const session = this.sessions.get(id);
    if (!session) throw new NotFoundException(`stream ${id} is not live on this node`);
    let jpeg: Buffer;
    try {
      jpeg = await this.snapshots.snapshot(session);
    } catch (error) {
      if (error instanceof SnapshotUnavailableError) {
        if (/no keyframe/.test(error.message)) throw new NotFoundException(`stream ${id} has no keyframe yet`);
        throw new ServiceUnavailableException(error.message);
      }
      throw error;
    }
    res
      .status(200)
      .set({ 'Content-Type': 'image/jpeg', 'Content-Length': String(jpeg.length), 'Cache-Control': 'no-store' })
      .end(jpeg);
  }
}
