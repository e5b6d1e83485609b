import { HttpException } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '@mediaplane/observability';
import { sendJsonError } from '@mediaplane/service-kit';
import type { AdminAuthenticator } from './admin-authenticator';

/** Methods that carry no body; every other method under /api/v1 is an admin-only write. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Checks the admin token of every write under /api/v1 before the body
 * parsers run (bootstrapService mounts them after the app's configureHttp),
 * so an unauthenticated client cannot make the server read, buffer or parse
 * a body. Reads stay with the route guards (snapshots also take playback
 * tokens). The route guard checks again after this; that is a hash compare.
 */
export function authenticateAdminWrites(authenticator: AdminAuthenticator, logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (READ_METHODS.has(req.method)) return next();
    authenticator.authenticate(req, res).then(
      (verdict) => (verdict === 'ok' ? next() : sendJsonError(res, 401, 'missing bearer token (Authorization: Bearer <admin token>)')),
      (error: unknown) => {
        if (error instanceof HttpException) return sendJsonError(res, error.getStatus(), error.message);
        logger.error({ err: error }, 'admin authentication failed');
        sendJsonError(res, 503, 'authentication is unavailable; try again');
      },
    );
  };
}
