import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { HlsViewerStore } from '@mediaplane/sessions';
import { cleanupNamespace, freePort, killAllChildren, platformEnv, runConcurrently, startApp, type AppProcess } from '@mediaplane/testing';
import { HttpClient } from '../../test/support/http-client';
import { StubHlsOrigin } from '../../test/support/stub-hls-origin';

jest.setTimeout(120_000);

const CAP = 8;
const REQUESTS = 1000;

/**
 * Issue 14.2: `vsid` was client-chosen, so 1,000 playlist requests with
 * random values from one client counted as 1,000 HLS viewers. The real edge,
 * in front of a stub origin (a fixed live rendition), reports to Redis the
 * counts the control plane sums into `viewers.hls`; read there.
 */
describe('HLS viewer counts cannot be forged (real edge, stub origin)', () => {
  const platform = platformEnv();
  const redis = new Redis(process.env['MEDIAPLANE_REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const store = new HlsViewerStore(redis, platform.namespace);
  const origin = new StubHlsOrigin();
  const client = new HttpClient('127.0.0.1');
  let edge: AppProcess;
  const hls = (streamId: string, path: string) => `${edge.httpUrl}/hls/${streamId}/${path}`;
  /** What the API would show as `viewers.hls` once the edge's next report is in. */
  const countedAfterReport = async (streamId: string) => {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    return store.total(streamId);
  };

  beforeAll(async () => {
    await origin.start();
    edge = await startApp('edge', {
      httpPort: await freePort(),
      env: { ...platform.env, EDGE_VIEWER_REPORT_MS: '500', EDGE_VIEWER_MAX_PER_ADDRESS: String(CAP) },
    });
  });

  afterAll(async () => {
    client.close();
    await edge?.stop();
    await origin.stop();
    await killAllChildren();
    await cleanupNamespace(platform.namespace, { redis });
    redis.disconnect();
  });

  it(`counts ${REQUESTS} playlist requests with random client-chosen vsids from one address as one viewer, and never hands a forged vsid on`, async () => {
    const streamId = `forged_${Date.now().toString(36)}`;
    await origin.register(redis, platform.namespace, streamId);
    // Both shapes: the old 16-character ids and the new 32-character length.
    const urls = Array.from({ length: REQUESTS }, (_, i) => hls(streamId, `240p/index.m3u8?vsid=${randomBytes(i % 2 ? 12 : 24).toString('base64url')}`));
    const answers = await client.getAll(urls);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    // A forged id is not passed on to the segments: the playlist is the plain one.
    expect(answers.some((a) => a.body.toString().includes('vsid='))).toBe(false);
    const counted = await countedAfterReport(streamId);
    process.stdout.write(`forged vsids: ${REQUESTS} playlist requests from one address → ${counted} counted HLS viewer(s) (cap ${CAP})\n`);
    expect(counted).toBeLessThanOrEqual(CAP);
    expect(counted).toBe(1);
  });

  it(`counts at most EDGE_VIEWER_MAX_PER_ADDRESS (${CAP}) when the forged requests also vary their user agent`, async () => {
    const streamId = `forged_ua_${Date.now().toString(36)}`;
    await origin.register(redis, platform.namespace, streamId);
    const errors = await runConcurrently([...Array(REQUESTS).keys()], 32, async (i) => {
      const res = await client.get(hls(streamId, `240p/index.m3u8?vsid=${randomBytes(24).toString('base64url')}`), { 'user-agent': `Forger/${i}` });
      if (res.status !== 200) throw new Error(`status ${res.status}`);
    });
    expect(errors).toEqual([]);
    const counted = await countedAfterReport(streamId);
    process.stdout.write(`forged vsids and user agents: ${REQUESTS} playlist requests from one address → ${counted} counted (cap ${CAP})\n`);
    expect(counted).toBe(CAP);
  });

  it(`counts at most EDGE_VIEWER_MAX_PER_ADDRESS (${CAP}) of ${REQUESTS} edge-minted sessions from one address, and another address apart`, async () => {
    const streamId = `minted_${Date.now().toString(36)}`;
    await origin.register(redis, platform.namespace, streamId);
    // Genuine ids: a fresh master each time, then the media playlist it points to.
    const masters = await client.getAll(Array.from({ length: REQUESTS }, () => hls(streamId, 'master.m3u8')));
    const variants = masters.map(
      (m) =>
        m.body
          .toString()
          .split('\n')
          .find((l) => l.startsWith('240p/index.m3u8?vsid=')) ?? '',
    );
    expect(new Set(variants).size).toBe(REQUESTS);
    const media = await client.getAll(variants.map((v) => hls(streamId, v)));
    expect(media.every((a) => a.status === 200)).toBe(true);
    // A genuine id is passed on to the segments.
    expect(media[0]?.body.toString()).toContain(`s40.ts?${variants[0]?.split('?')[1]}`);
    const fromOne = await countedAfterReport(streamId);
    // A second client (another loopback address) still counts.
    const other = new HttpClient('127.0.0.2');
    try {
      const master = (await other.get(hls(streamId, 'master.m3u8'))).body.toString();
      const variant = master.split('\n').find((l) => l.startsWith('240p/index.m3u8?vsid='));
      expect((await other.get(hls(streamId, variant ?? ''))).status).toBe(200);
    } finally {
      other.close();
    }
    const withAnother = await countedAfterReport(streamId);
    process.stdout.write(`minted vsids: ${REQUESTS} sessions from one address → ${fromOne} counted (cap ${CAP}); one more address → ${withAnother}\n`);
    expect(fromOne).toBe(CAP);
    expect(withAnother).toBe(CAP + 1);
    const metrics = await (await fetch(`${edge.httpUrl}/metrics`)).text();
    const overCap = Number(/^mediaplane_edge_viewers_over_address_cap_total(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1]);
    expect(overCap).toBeGreaterThanOrEqual(REQUESTS - CAP);
  });

  it('does not accept a vsid minted for another stream', async () => {
    const [a, b] = [`va_${Date.now().toString(36)}`, `vb_${Date.now().toString(36)}`];
    await Promise.all([origin.register(redis, platform.namespace, a), origin.register(redis, platform.namespace, b)]);
    const variant =
      (await client.get(hls(a, 'master.m3u8'))).body
        .toString()
        .split('\n')
        .find((l) => l.includes('vsid=')) ?? '';
    const res = await client.get(hls(b, variant));
    expect(res.status).toBe(200);
    expect(res.body.toString()).not.toContain('vsid=');
  });
});
