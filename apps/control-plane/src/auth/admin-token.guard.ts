import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { APP_CONFIG } from '@mediaplane/service-kit';
import type { ControlPlaneConfig } from '../control-plane.config';

/** Admin API access: `Authorization: Bearer <MEDIAPLANE_ADMIN_TOKEN>`, compared in constant time. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(APP_CONFIG) config: ControlPlaneConfig) {
    this.expected = digest(config.MEDIAPLANE_ADMIN_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    const verdict = this.check(context.switchToHttp().getRequest<Request>().headers.authorization);
    if (verdict === 'missing') throw new UnauthorizedException('missing bearer token (Authorization: Bearer <admin token>)');
    if (verdict === 'wrong') throw new UnauthorizedException('invalid token');
    return true;
  }

  /** For routes with more than one way in (snapshots also accept playback tokens). */
  check(header: string | undefined): 'ok' | 'missing' | 'wrong' {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match) return 'missing';
    // Hashing first gives equal-length buffers, so timingSafeEqual leaks neither content nor length.
    return timingSafeEqual(digest(match[1] as string), this.expected) ? 'ok' : 'wrong';
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
