import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { cleanupNamespace, freePorts, killAllChildren, platformEnv, startApp, type AppProcess } from '@mediaplane/testing';
import { HttpClient } from '../../test/support/http-client';
import { FIRST_MSN, SEGMENTS, StubHlsOrigin } from '../../test/support/stub-hls-origin';

jest.setTimeout(120_000);

const REQUESTS = 2000;
const LAST_MSN = FIRST_MSN + SEGMENTS.length - 1;

/**
 * Issue 14.4: every distinct `_HLS_msn` (or unknown parameter) was one more
 * origin fetch. Two real edges in front of a stub origin that counts what
 * reaches it: one with LL-HLS off (the default), one with it on. Playlists
 * are cached for a minute here so the counts do not depend on how fast the
 * requests go.
 */
describe('the edge cache key is not client-controlled (real edges, stub origin)', () => {
  const platform = platformEnv();
  const redis = new Redis(process.env['MEDIAPLANE_REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const origin = new StubHlsOrigin();
  const client = new HttpClient();
  let plain: AppProcess;
  let lowLatency: AppProcess;
  const url = (edge: AppProcess, streamId: string, path: string) => `${edge.httpUrl}/hls/${streamId}/${path}`;
  const newStream = async (name: string) => {
    const streamId = `${name}_${Date.now().toString(36)}`;
    await origin.register(redis, platform.namespace, streamId);
    return streamId;
  };

  beforeAll(async () => {
    await origin.start();
    const [p1, p2] = (await freePorts(2)) as [number, number];
    const env = { ...platform.env, EDGE_PLAYLIST_CACHE_MS: '60000' };
    [plain, lowLatency] = await Promise.all([
      startApp('edge', { httpPort: p1, env }),
      startApp('edge', { httpPort: p2, env: { ...env, EDGE_LL_HLS: 'true' } }),
    ]);
  });

  afterAll(async () => {
    client.close();
    await Promise.all([plain?.stop(), lowLatency?.stop()]);
    await origin.stop();
    await killAllChildren();
    await cleanupNamespace(platform.namespace, { redis });
    redis.disconnect();
  });

  it(`LL-HLS off: ${REQUESTS} distinct _HLS_msn and junk parameter values cost one origin fetch per object, with no query`, async () => {
    const streamId = await newStream('junk');
    const junk = (i: number) => `_HLS_msn=${i}&_HLS_part=${i % 7}&_HLS_skip=YES&junk${i % 13}=${randomBytes(6).toString('hex')}`;
    const playlists = await client.getAll(Array.from({ length: REQUESTS }, (_, i) => url(plain, streamId, `240p/index.m3u8?${junk(i)}`)));
    const segments = await client.getAll(Array.from({ length: REQUESTS }, (_, i) => url(plain, streamId, `240p/s40.ts?${junk(i)}`)));
    expect([...playlists, ...segments].every((a) => a.status === 200)).toBe(true);
    const fetched = { playlist: origin.fetchesOf(streamId, '240p/index.m3u8'), segment: origin.fetchesOf(streamId, '240p/s40.ts') };
    process.stdout.write(
      `cache key, LL-HLS off: ${REQUESTS} distinct _HLS_msn/junk playlist requests → ${fetched.playlist.length} origin fetch(es); ` +
        `${REQUESTS} junk segment requests → ${fetched.segment.length}\n`,
    );
    expect(fetched.playlist).toEqual([`/origin/hls/${streamId}/240p/index.m3u8`]);
    expect(fetched.segment).toEqual([`/origin/hls/${streamId}/240p/s40.ts`]);
  });

  it(`LL-HLS on: ${REQUESTS} distinct _HLS_msn values reach the origin only up to two segments past the live edge`, async () => {
    const streamId = await newStream('llhls');
    const answers = await client.getAll(
      Array.from({ length: REQUESTS }, (_, msn) => url(lowLatency, streamId, `240p/index.m3u8?_HLS_msn=${msn}&junk=${randomBytes(6).toString('hex')}`)),
    );
    const status = (msn: number) => answers[msn]?.status;
    // Already in the playlist: answered with it; the next two: passed on; further ahead: 400, as RFC 8216bis says.
    expect([0, FIRST_MSN, LAST_MSN, LAST_MSN + 1, LAST_MSN + 2].map(status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.slice(LAST_MSN + 3).every((a) => a.status === 400)).toBe(true);
    expect(JSON.parse(answers[LAST_MSN + 3]?.body.toString() ?? '{}')).toMatchObject({ statusCode: 400, message: expect.stringContaining('_HLS_msn') });
    expect((await client.get(url(lowLatency, streamId, `240p/index.m3u8?_HLS_msn=${LAST_MSN + 1}&_HLS_part=64`))).status).toBe(400);
    const fetched = origin.fetchesOf(streamId, '240p/index.m3u8');
    process.stdout.write(`cache key, LL-HLS on: ${REQUESTS} distinct _HLS_msn values → ${fetched.length} origin fetches\n`);
    expect(fetched.sort()).toEqual(
      ['', `?_HLS_msn=${LAST_MSN + 1}`, `?_HLS_msn=${LAST_MSN + 2}`].map((q) => `/origin/hls/${streamId}/240p/index.m3u8${q}`).sort(),
    );
  });

  it('answers Range requests on a segment with 206 and the right bytes, 416 past the end', async () => {
    const streamId = await newStream('range');
    const bytes = origin.segments.get('s41.ts') as Buffer;
    const segment = url(plain, streamId, '240p/s41.ts');
    const whole = await client.get(segment);
    expect(whole.status).toBe(200);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.body.equals(bytes)).toBe(true);

    const middle = await client.get(segment, { range: 'bytes=100-1099' });
    expect(middle.status).toBe(206);
    expect(middle.headers['content-range']).toBe(`bytes 100-1099/${bytes.length}`);
    expect(middle.headers['content-length']).toBe('1000');
    expect(middle.body.equals(bytes.subarray(100, 1100))).toBe(true);

    const tail = await client.get(segment, { range: 'bytes=-188' });
    expect(tail.status).toBe(206);
    expect(tail.body.equals(bytes.subarray(bytes.length - 188))).toBe(true);

    const past = await client.get(segment, { range: `bytes=${bytes.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${bytes.length}`);
    // Ranges are cut from the cached object: the origin saw the segment once.
    expect(origin.fetchesOf(streamId, '240p/s41.ts')).toHaveLength(1);
    process.stdout.write(`range: bytes=100-1099 of a ${bytes.length}-byte segment → 206, ${middle.body.length} bytes; past the end → 416\n`);
  });
});
