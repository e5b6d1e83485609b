import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { verifyPlaybackToken } from '@mediaplane/sessions';
import { APP_CONFIG } from '@mediaplane/service-kit';
import type { TranscodeConfig } from '../transcode.config';

/**
 * The origin is for platform services (edges), not viewers: it wants
 * `Authorization: Bearer <internal-scope token for that stream>`.
 */
@Injectable()
export class InternalTokenGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: TranscodeConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) throw new UnauthorizedException('an internal bearer token is required');
    const streamId = String(req.params['streamId'] ?? '');
    const verdict = verifyPlaybackToken(this.config.MEDIAPLANE_PLAYBACK_SECRET, match[1], streamId);
    if (!verdict.ok || verdict.claims.scope !== 'internal') throw new ForbiddenException('token is not an internal token for this stream');
    return true;
  }
}
