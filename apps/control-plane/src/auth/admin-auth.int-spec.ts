import { killAllChildren, launchChromium } from '@mediaplane/testing';
import { ControlPlaneHarness } from '../../test/control-plane-harness';

jest.setTimeout(60_000);

const FAILURE_LIMIT = 4;

/** Issue 14 items 3 and 7 through the public port: auth before the body, security headers, brute force. */
describe('admin authentication and security headers (control plane on real NATS and Redis)', () => {
  let cp: ControlPlaneHarness;

  beforeAll(async () => {
    cp = await ControlPlaneHarness.start({ CONTROL_PLANE_ADMIN_AUTH_FAILURE_LIMIT: String(FAILURE_LIMIT) });
  }, 60_000);

  afterAll(async () => {
    await cp?.stop();
    await killAllChildren();
  });

  describe('a write without the admin token', () => {
    const bigBody = JSON.stringify({ name: 'x', padding: 'p'.repeat(200 * 1024) });

    it('gets 401, not 413: its 200 kB body (over the 100 kB limit) is never parsed', async () => {
      for (const path of ['/api/v1/streams', '/api/v1/webhooks', '/api/v1/rooms/r1/tokens', '/api/v1/streams/abc/kick']) {
        const res = await cp.api('POST', path, { token: null, rawBody: bigBody });
        expect({ path, status: res.status, body: res.body }).toEqual({
          path,
          status: 401,
          body: { statusCode: 401, error: 'Unauthorized', message: expect.stringMatching(/missing bearer token/) },
        });
      }
    });

    it('gets 401 even when the body is not JSON at all (a parser would have answered 400)', async () => {
      const res = await cp.api('POST', '/api/v1/streams', { token: null, rawBody: '{not json' });
      expect(res.status).toBe(401);
    });

    it('with the token, the same oversize body still gets the parser’s 413 JSON answer', async () => {
      const res = await cp.api('POST', '/api/v1/streams', { rawBody: bigBody });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    });
  });

  describe('security headers from helmet', () => {
    const expectHardened = (headers: Headers, what: string) => {
      const seen = {
        what,
        nosniff: headers.get('x-content-type-options'),
        frame: headers.get('x-frame-options'),
        corp: headers.get('cross-origin-resource-policy'),
        referrer: headers.get('referrer-policy'),
        csp: headers.get('content-security-policy') ?? '',
      };
      expect(seen).toMatchObject({ what, nosniff: 'nosniff', frame: 'DENY', corp: 'cross-origin', referrer: 'no-referrer' });
      expect(seen.csp).toMatch(/default-src 'self'/);
      expect(seen.csp).toMatch(/frame-ancestors 'none'/);
      expect(seen.csp).not.toMatch(/upgrade-insecure-requests/);
    };

    it.each([
      ['/healthz', null],
      ['/metrics', null],
      ['/api/v1/streams', 'token'],
      ['/api/v1/streams', null],
      ['/api/docs-json', null],
      ['/', null],
    ])('GET %s (auth: %s) carries them', async (path, auth) => {
      const res = await fetch(`${cp.url}${path}`, { headers: auth ? { authorization: `Bearer ${cp.platform.adminToken}` } : {} });
      expectHardened(res.headers, path);
      await res.arrayBuffer();
    });

    it('Swagger UI gets them too, with a CSP that lets its inline styles and its script files load', async () => {
      const page = await fetch(`${cp.url}/api/docs`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expectHardened(page.headers, '/api/docs');
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/style-src 'self' 'unsafe-inline'/);
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      // Every script the page loads is a file of this origin (no inline <script> the CSP would block).
      const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThan(0);
      for (const [, attrs, body] of scripts) {
        expect(body?.trim()).toBe('');
        const src = /src="([^"]+)"/.exec(attrs ?? '')?.[1] as string;
        const script = await fetch(new URL(src, `${cp.url}/api/docs/`));
        expect({ src, status: script.status }).toEqual({ src, status: 200 });
        expectHardened(script.headers, src);
        await script.arrayBuffer();
      }
    });
  });

  it('Swagger UI renders in Chromium under that CSP, without a single violation', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (msg) => {
        if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
      });
      page.on('pageerror', (error) => violations.push(error.message));
      await page.goto(`${cp.url}/api/docs`);
      await page.waitForSelector('.swagger-ui .info .title', { timeout: 20_000 });
      expect(await page.textContent('.swagger-ui .info .title')).toContain('Mediaplane control plane');
      // The operations come from /api/docs-json: the page fetched and rendered the document.
      await page.waitForSelector('.opblock', { timeout: 20_000 });
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  // Last: it locks 127.0.0.1 out of this harness's admin API for the window.
  describe('guessing the admin token', () => {
    it(`answers 429 with Retry-After after ${FAILURE_LIMIT} wrong tokens from one address, even for the right token`, async () => {
      for (let i = 0; i < FAILURE_LIMIT; i++) {
        const res = await cp.api('GET', '/api/v1/streams', { token: `guess-number-${i}-of-enough-length` });
        expect(res.status).toBe(401);
      }
      for (const token of ['one-more-guess-of-enough-length', cp.platform.adminToken]) {
        const res = await cp.api('POST', '/api/v1/streams', { token, body: { name: 'x' } });
        expect(res.status).toBe(429);
        expect(res.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
        const retryAfter = Number(res.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(60);
      }
      const read = await cp.api('GET', '/api/v1/nodes');
      expect(read.status).toBe(429);
    });
  });
});
