import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from '@mediaplane/observability';
import { sendJsonError } from './json-error-response';
import { strictSecurityHeaders } from './security-headers';

export type BelowExpressHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * Serves every request whose path starts with `prefix` with `handler` on Node's own request and
 * response, before Express and Nest see it; everything else goes to them as before.
 *
 * Why: a media response lasts as long as a viewer watches, and what Express and Nest attach to a
 * request (the router's and middleware's closures, the request and response extensions) lived that
 * long with it — per viewer, thousands of viewers. The handler gets the strict security headers
 * already set (as Express's first middleware would have set them) and a JSON 500 if it throws.
 *
 * Call it before the server listens: Express is the server's `request` listener from its creation.
 */
export function routeBelowExpress(server: Server, prefix: string, handler: BelowExpressHandler, logger: Logger): void {
  const express = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  const securityHeaders = strictSecurityHeaders();
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!(req.url ?? '').startsWith(prefix)) {
      for (const listener of express) listener.call(server, req, res);
      return;
    }
    securityHeaders(req, res);
    const failed = (err: unknown): void => {
      logger.error({ err, path: prefix }, 'unhandled error in a route below Express');
      sendJsonError(res, 500, 'internal error');
    };
    try {
      const done = handler(req, res);
      if (done) done.catch(failed);
    } catch (err) {
      failed(err);
    }
  });
}
