import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from '@mediaplane/observability';

/**
 * Serves the built dashboard (Vite output) at `/`. Routes under /api, and
 * /healthz, /readyz, /metrics fall through to Nest because the static
 * handler only answers for files that exist.
 */
export function dashboardMiddleware(webDir: string | undefined, logger: Logger): RequestHandler {
  const dir = webDir ?? defaultWebDir();
  if (!dir || !existsSync(join(dir, 'index.html'))) {
    logger.warn({ dir }, 'dashboard is not built (npm run build builds it); / serves a placeholder');
    return (req: Request, res: Response, next: NextFunction) => {
      if (req.method !== 'GET' || new URL(req.originalUrl, 'http://x').pathname !== '/') return next();
      res.type('text/plain').send('The Mediaplane dashboard is not built: run `npm run build`. The API is at /api/v1 and its docs at /api/docs.\n');
    };
  }
  logger.info({ dir }, 'dashboard served at /');
  const serve = express.static(dir, {
    index: 'index.html',
    redirect: false,
    // Security headers (CSP included) come from service-kit's securityHeaders, mounted before this.
    setHeaders: (res, path) => {
      if (path.endsWith('.html')) {
        res.setHeader('Cache-Control', 'no-cache');
      } else if (/[\\/]assets[\\/]/.test(path)) {
        // Vite puts a content hash in every asset name.
        res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      }
    },
  });
  // Mounted on a wildcard, the router hands the middleware a trimmed req.url: serve the full path,
  // and give the router its own URL back before passing on.
  return (req: Request, res: Response, next: NextFunction) => {
    const mounted = req.url;
    req.url = req.originalUrl;
    serve(req, res, (error?: unknown) => {
      req.url = mounted;
      next(error);
    });
  };
}

/** apps/control-plane/web/dist of the workspace this file belongs to (source or dist/). */
function defaultWebDir(): string | undefined {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'mediaplane')
      return join(dir, 'apps', 'control-plane', 'web', 'dist');
    dir = dirname(dir);
  }
  return undefined;
}
