import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AdminAuthenticator } from './admin-authenticator';

/**
 * Admin routes: the right bearer token, else 401; 429 for an address that
 * guessed wrong too often (see AdminAuthenticator). Nest makes one guard per
 * module that uses it; they share AuthModule's authenticator.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(private readonly authenticator: AdminAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const verdict = await this.authenticator.authenticate(http.getRequest<Request>(), http.getResponse<Response>());
    if (verdict === 'missing') throw new UnauthorizedException('missing bearer token (Authorization: Bearer <admin token>)');
    return true;
  }
}
