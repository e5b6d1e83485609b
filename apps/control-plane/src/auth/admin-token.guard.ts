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
    const header = context.switchToHttp().getRequest<Request>().headers.authorization;
    const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
    if (!match) throw new UnauthorizedException('missing bearer token');
    // Hashing first gives equal-length buffers, so timingSafeEqual leaks neither content nor length.
    if (!timingSafeEqual(digest(match[1] as string), this.expected)) throw new UnauthorizedException('invalid token');
    return true;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
