import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LiveStreamStore, verifyPlaybackToken } from '@mediaplane/sessions';
import { execFileAsync, killAllChildren, sleep } from '@mediaplane/testing';
import { ControlPlaneHarness } from '../../test/control-plane-harness';

/**
 * Playback tokens issued by the API and checked where the control plane
 * itself serves a playback URL (the snapshot), with a stand-in ingest node
 * that serves a real JPEG only to an internal-scope token.
 */
describe('playback tokens and snapshots', () => {
  let cp: ControlPlaneHarness;
  let ingest: Server;
  let jpeg: Buffer;
  const ingestCalls: Array<{ path: string; verdict: string }> = [];

  beforeAll(async () => {
    const { stdout } = await execFileAsync(
      'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x90', '-frames:v', '1', '-f', 'mjpeg', 'pipe:1'],
      {
        encoding: 'buffer',
        maxBuffer: 1024 * 1024,
      },
    );
    jpeg = stdout as unknown as Buffer;
    cp = await ControlPlaneHarness.start();
    ingest = createServer((req, res) => {
      const id = /^\/internal\/v1\/streams\/([A-Za-z0-9_-]+)\/snapshot\.jpg$/.exec(req.url ?? '')?.[1] ?? '';
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const verdict = verifyPlaybackToken(cp.platform.playbackSecret, token, id);
      ingestCalls.push({ path: req.url ?? '', verdict: verdict.ok ? verdict.claims.scope : verdict.reason });
      if (!verdict.ok || verdict.claims.scope !== 'internal') {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.length }).end(jpeg);
    });
    await new Promise<void>((resolve) => ingest.listen(0, '127.0.0.1', resolve));
  }, 60_000);

  afterAll(async () => {
    await new Promise((resolve) => ingest?.close(resolve));
    await cp?.stop();
    await killAllChildren();
  });

  async function liveStream(isPrivate: boolean): Promise<string> {
    const res = await cp.api<{ id: string }>('POST', '/api/v1/streams', { body: { name: 'Snap', private: isPrivate } });
    const id = res.body.id;
    const port = (ingest.address() as AddressInfo).port;
    const now = new Date().toISOString();
    await new LiveStreamStore(cp.redis, cp.namespace).claim(
      {
        streamId: id,
        sessionId: 's',
        node: 'ingest-fake',
        pullUrl: `http://127.0.0.1:${port}/live/${id}.flv`,
        protocol: 'rtmp',
        private: isPrivate,
        startedAt: now,
        updatedAt: now,
        media: {},
        bitrateKbps: 0,
        viewers: {},
      },
      60_000,
    );
    return id;
  }

  const issue = async (id: string, ttlSeconds?: number) => {
    const res = await cp.api<{ token: string; expiresAt: string; playback: Record<string, string> }>('POST', `/api/v1/streams/${id}/playback-tokens`, {
      body: ttlSeconds === undefined ? undefined : { ttlSeconds },
    });
    expect(res.status).toBe(201);
    return res.body;
  };

  const snapshot = (id: string, token?: string) =>
    fetch(`${cp.url}/api/v1/streams/${id}/snapshot.jpg${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`);

  it('issues HMAC tokens bound to the stream and an expiry, verifiable by any service with the secret', async () => {
    const id = await liveStream(true);
    const before = Date.now();
    const { token, expiresAt, playback } = await issue(id, 120);
    expect(Date.parse(expiresAt)).toBeGreaterThanOrEqual(before + 119_000);
    expect(Date.parse(expiresAt)).toBeLessThanOrEqual(before + 121_000);
    expect(verifyPlaybackToken(cp.platform.playbackSecret, token, id)).toMatchObject({
      ok: true,
      claims: { streamId: id, scope: 'play', expiresAt: new Date(expiresAt) },
    });
    expect(playback['flv']).toBe(`http://127.0.0.1:8081/live/${id}.flv?token=${encodeURIComponent(token)}`);
    // SRT has no path or query of its own to carry it: the token rides in the streamid (`s` = session id).
    expect(playback['srt']).toBe(`srt://127.0.0.1:9000?streamid=#!::r=live/${id},m=request,s=${token}`);
    // Without a body the token lives an hour.
    const defaulted = await issue(id);
    expect(Date.parse(defaulted.expiresAt) - Date.now()).toBeGreaterThan(3590_000);
  });

  it('serves a private stream snapshot for a valid token, fetched from the ingest node with an internal token', async () => {
    const id = await liveStream(true);
    const { token } = await issue(id, 60);
    const res = await snapshot(id, token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await res.arrayBuffer()).equals(jpeg)).toBe(true);
    expect(ingestCalls.at(-1)).toEqual({ path: `/internal/v1/streams/${id}/snapshot.jpg`, verdict: 'internal' });
  });

  it.each([
    ['no token', async () => undefined, /playback token \(\?token=\) is required/],
    ['a token of another stream', async (_id: string, other: string) => (await issue(other, 60)).token, /wrong_stream/],
    [
      'a tampered token',
      async (id: string) => (await issue(id, 60)).token.replace(/\.(\d+)\./, (_m, exp: string) => `.${Number(exp) + 3600}.`),
      /bad_signature/,
    ],
    ['a token signed with another secret', async (id: string) => `v1.${id}.${Math.floor(Date.now() / 1000) + 60}.play.${'A'.repeat(43)}`, /bad_signature/],
    ['garbage', async () => 'not-a-token', /malformed/],
  ])('refuses a private stream snapshot with %s (401)', async (_what, tokenFor, reason) => {
    const id = await liveStream(true);
    const other = await liveStream(true);
    const res = await snapshot(id, await tokenFor(id, other));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toMatch(reason);
  });

  it('refuses an expired token', async () => {
    const id = await liveStream(true);
    const { token, expiresAt } = await issue(id, 1);
    await sleep(Math.max(0, Date.parse(expiresAt) - Date.now()) + 200);
    const res = await snapshot(id, token);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toMatch(/expired/);
  });

  it('lets the admin token through and serves public streams without any token', async () => {
    const privateId = await liveStream(true);
    const byAdmin = await fetch(`${cp.url}/api/v1/streams/${privateId}/snapshot.jpg`, { headers: { authorization: `Bearer ${cp.platform.adminToken}` } });
    expect(byAdmin.status).toBe(200);
    const publicId = await liveStream(false);
    expect((await snapshot(publicId)).status).toBe(200);
    const wrongAdmin = await fetch(`${cp.url}/api/v1/streams/${publicId}/snapshot.jpg`, { headers: { authorization: 'Bearer wrong-token-of-some-length' } });
    expect(wrongAdmin.status).toBe(401);
  });

  it('answers 404 for a stream that is not live, and 502 when its ingest node cannot be reached', async () => {
    const created = await cp.api<{ id: string }>('POST', '/api/v1/streams', { body: { name: 'Offline' } });
    const offline = await snapshot(created.body.id);
    expect(offline.status).toBe(404);
    expect(((await offline.json()) as { message: string }).message).toMatch(/not live/);

    const id = await liveStream(false);
    const now = new Date().toISOString();
    await cp.redis.set(
      `${cp.namespace}:live:${id}`,
      JSON.stringify({
        streamId: id,
        sessionId: 's',
        node: 'gone',
        pullUrl: 'http://127.0.0.1:1/live/x.flv',
        protocol: 'rtmp',
        private: false,
        startedAt: now,
        updatedAt: now,
        media: {},
        bitrateKbps: 0,
        viewers: {},
      }),
      'PX',
      60_000,
    );
    expect((await snapshot(id)).status).toBe(502);
  });
});
