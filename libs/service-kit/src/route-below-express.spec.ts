import { Server as HttpServer, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@mediaplane/observability';
import { routeBelowExpress } from './route-below-express';

describe('routeBelowExpress', () => {
  let server: Server;
  let base: string;
  const errors: unknown[] = [];
  const logger = { error: (fields: unknown) => errors.push(fields) } as unknown as Logger;

  beforeAll(async () => {
    // Stands in for Express: the listener the server was created with.
    server = createServer((_req: IncomingMessage, res: ServerResponse) => res.end('from the app'));
    routeBelowExpress(
      server,
      '/media/',
      (req, res) => {
        if (req.url === '/media/throw') throw new Error('sync failure');
        if (req.url === '/media/reject') return Promise.reject(new Error('async failure'));
        res.end('from the media route');
        return undefined;
      },
      logger,
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('gives the prefix to the handler, with the strict security headers set, and everything else to the app', async () => {
    const media = await fetch(`${base}/media/a.flv`);
    expect(await media.text()).toBe('from the media route');
    expect(media.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(media.headers.get('x-content-type-options')).toBe('nosniff');
    const other = await fetch(`${base}/mediax`);
    expect(await other.text()).toBe('from the app');
    expect(other.headers.get('content-security-policy')).toBeNull();
  });

  it.each(['/media/throw', '/media/reject'])('answers %s with the JSON 500 and logs the error', async (path) => {
    const before = errors.length;
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
    expect(errors.length).toBe(before + 1);
  });

  it("keeps the prefix's requests from what wraps the server prototype's emit (OpenTelemetry's HTTP instrumentation)", async () => {
    // Wrapped as the instrumentation wraps it: after the route was set up, on the prototype.
    const original = HttpServer.prototype.emit;
    const seen: string[] = [];
    HttpServer.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'request') seen.push((args[0] as IncomingMessage).url ?? '');
      return Reflect.apply(original, this, [event, ...args]) as boolean;
    } as Server['emit'];
    try {
      expect(await (await fetch(`${base}/media/b.flv`)).text()).toBe('from the media route');
      expect(await (await fetch(`${base}/api/x`)).text()).toBe('from the app');
    } finally {
      HttpServer.prototype.emit = original;
    }
    expect(seen).toEqual(['/api/x']);
  });
});
