import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from '@mediaplane/observability';
import { sendJsonError } from './json-error-response';
import { strictSecurityHeaders } from './security-headers';

export type BelowExpressHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * Serves every request whose path starts with `prefix` with `handler` on Node's own request and
 * response, before Express, Nest and OpenTelemetry's HTTP instrumentation see it; everything else goes
 * to them as before.
 *
 * Why: a media response lasts as long as a viewer watches, and what they attach to a request lives
 * that long with it — per viewer, thousands of viewers:
 * - Express and Nest: the router's and middleware's closures, the request and response extensions.
 * - The HTTP instrumentation wraps `http.Server.prototype.emit`, and even for a request its ignore
 *   hook leaves untraced it binds the request and the response to a context: seven listener methods
 *   patched on each, a wrapper around every listener added later. Heap snapshots after a full GC with
 *   200 HTTP-FLV viewers: ~3.3 KB of the ~10.9 KB of objects each viewer held.
 * So the server gets an `emit` of its own that takes the prefix's requests before the prototype's
 * (wrapped) one. The handler gets the strict security headers already set (as Express's first
 * middleware would have set them) and a JSON 500 if it throws.
 *
 * Call it before the server listens.
 */
export function routeBelowExpress(server: Server, prefix: string, handler: BelowExpressHandler, logger: Logger): void {
  const securityHeaders = strictSecurityHeaders();
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
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
  };
  // Looked up at each call, not kept: an instrumentation started after this call wraps the prototype's
  // then. Another route below Express on this server is an own `emit` already: it comes next.
  const earlierBelow = Object.hasOwn(server, 'emit') ? server.emit : undefined;
  const emitAbove = (target: Server): Server['emit'] => earlierBelow ?? (Object.getPrototypeOf(target) as Server).emit;
  const emitBelow = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    const req = args[0] as IncomingMessage | undefined;
    if (event === 'request' && (req?.url ?? '').startsWith(prefix)) {
      serve(req as IncomingMessage, args[1] as ServerResponse);
      return true;
    }
    return Reflect.apply(emitAbove(this), this, [event, ...args]) as boolean;
  };
  server.emit = emitBelow as Server['emit'];
}
