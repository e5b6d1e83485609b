import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/**
 * The one Content-Security-Policy of every service's HTTP surface. Scripts
 * and styles only from the page's own origin; players may pull media from
 * any playback host (ingest, edge and SFU listen on other ports and hosts),
 * so media and connections may go anywhere. No `upgrade-insecure-requests`:
 * the services speak plain HTTP behind whatever terminates TLS, and
 * upgrading a player's http:// media URL would break it.
 */
const STRICT_DIRECTIVES = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'blob:', 'data:'],
  'media-src': ['*', 'blob:'],
  'connect-src': ['*'],
  'worker-src': ["'self'", 'blob:'],
  'font-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
};

/** Swagger UI's page carries inline <style> blocks (its scripts are files, so script-src stays strict). */
const DOCS_DIRECTIVES = { ...STRICT_DIRECTIVES, 'style-src': ["'self'", "'unsafe-inline'"] };

/** Where the OpenAPI docs (Swagger UI) of a service are served. */
export const API_DOCS_PATH = '/api/docs';

function helmetWith(directives: typeof STRICT_DIRECTIVES): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives },
    // Playback (HLS, FLV, snapshots, WHEP) is fetched by players on other origins: CORS decides who may
    // read it, and CORP must not block the no-cors loads (<video>, <img>) those players make.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  }) as RequestHandler;
}

/**
 * Security headers (CSP, nosniff, frame denial, CORP, HSTS, no referrer …)
 * for every response of a service, from helmet: mounted first by
 * bootstrapService so health, metrics, API, docs, the dashboard and media
 * routes all get them. Routes may still set their own CORS headers.
 */
export function securityHeaders(): RequestHandler {
  const strict = helmetWith(STRICT_DIRECTIVES);
  const docs = helmetWith(DOCS_DIRECTIVES);
  return (req: Request, res: Response, next: NextFunction) => {
    const docsPage = req.path === API_DOCS_PATH || req.path.startsWith(`${API_DOCS_PATH}/`);
    (docsPage ? docs : strict)(req, res, next);
  };
}

/**
 * The strict set on a plain Node request and response, for routes served below Express
 * (`routeBelowExpress`). helmet sets its headers synchronously; an error from it is thrown.
 */
export function strictSecurityHeaders(): (req: IncomingMessage, res: ServerResponse) => void {
  const strict = helmetWith(STRICT_DIRECTIVES) as unknown as (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
  return (req, res) =>
    strict(req, res, (err) => {
      if (err) throw err;
    });
}

/**
 * Headers that only mean something for a document a browser renders or navigates to (a page's policy,
 * framing, its referrer, its opener). A media body — an endless FLV or MPEG-TS that only players read —
 * keeps nosniff and CORP, and drops these: a viewer's response object keeps its header block for as
 * long as it watches, and these made up most of it.
 */
const DOCUMENT_ONLY_SECURITY_HEADERS = [
  'Content-Security-Policy',
  'Cross-Origin-Opener-Policy',
  'Origin-Agent-Cluster',
  'Referrer-Policy',
  'Strict-Transport-Security',
  'X-DNS-Prefetch-Control',
  'X-Download-Options',
  'X-Frame-Options',
  'X-Permitted-Cross-Domain-Policies',
  'X-XSS-Protection',
] as const;

/** Removes the document-only security headers from a media response (see DOCUMENT_ONLY_SECURITY_HEADERS). */
export function dropDocumentSecurityHeaders(res: ServerResponse): void {
  for (const name of DOCUMENT_ONLY_SECURITY_HEADERS) res.removeHeader(name);
}
