import {
  adminApi,
  execFileAsync,
  ffmpegPublish,
  freePort,
  killAllChildren,
  platformEnv,
  sleep,
  startApp,
  waitFor,
  type AppProcess,
  type Publisher,
} from '@mediaplane/testing';

jest.setTimeout(180_000);

interface CreatedStream {
  id: string;
  streamKey: string;
}
interface StreamView {
  live: boolean;
  state: { startedAt: string } | null;
}

/**
 * PLATFORM.md: "A second publisher with the same key is rejected while the
 * first is live, unless the API asked for takeover", and an RTMP player who
 * arrives before the publisher waits for it (INGEST_PLAY_WAIT_MS) instead of
 * getting StreamNotFound at once. Real control plane, ingest and FFmpeg.
 */
describe('publish takeover and players that arrive before the publisher (real processes)', () => {
  const platform = platformEnv();
  let controlPlane: AppProcess;
  let ingest: AppProcess;
  let rtmpPort: number;
  const publishers: Publisher[] = [];
  const api = <T>(method: string, path: string, body?: unknown) => adminApi(controlPlane.httpUrl, platform.adminToken)<T>(method, path, body);
  const publish = (stream: CreatedStream) => {
    const p = ffmpegPublish({ url: `rtmp://127.0.0.1:${rtmpPort}/live/${stream.streamKey}`, width: 320, height: 180, fps: 25, gopFrames: 25 });
    publishers.push(p);
    return p;
  };
  const liveSince = async (id: string) => (await api<StreamView>('GET', `/streams/${id}`)).state?.startedAt;

  beforeAll(async () => {
    rtmpPort = await freePort();
    controlPlane = await startApp('control-plane', { httpPort: await freePort(), env: platform.env });
    ingest = await startApp('ingest', {
      httpPort: await freePort(),
      env: { ...platform.env, INGEST_RTMP_PORT: String(rtmpPort), INGEST_PLAY_WAIT_MS: '4000' },
    });
  });

  afterAll(async () => {
    await Promise.all(publishers.map((p) => p.stop()));
    await Promise.all([ingest?.stop(), controlPlane?.stop()]);
    await killAllChildren();
  });

  it('refuses a second publisher, then lets exactly the next one replace the live publisher after POST /takeover', async () => {
    const stream = await api<CreatedStream>('POST', '/streams', { name: 'takeover' });
    const first = publish(stream);
    const firstSince = await waitFor(() => liveSince(stream.id), { timeoutMs: 20_000, what: 'the first publisher to be live' });

    const refused = publish(stream);
    expect(await refused.exited).not.toBe(0);
    expect(await liveSince(stream.id)).toBe(firstSince);

    const granted = await api<{ id: string; wasLive: boolean; expiresAt: string }>('POST', `/streams/${stream.id}/takeover`);
    expect(granted).toMatchObject({ id: stream.id, wasLive: true });
    expect(Date.parse(granted.expiresAt)).toBeGreaterThan(Date.now());

    const second = publish(stream);
    // The live publisher is ended (its connection closed), and the new one holds the stream.
    await first.exited;
    const secondSince = await waitFor(async () => (((await liveSince(stream.id)) ?? firstSince) !== firstSince ? liveSince(stream.id) : undefined), {
      timeoutMs: 20_000,
      what: 'the second publisher to hold the stream',
    });
    expect(secondSince).not.toBe(firstSince);
    expect(second.process.exitCode).toBeNull();

    // The takeover was for one publisher: the next one is refused again.
    const third = publish(stream);
    expect(await third.exited).not.toBe(0);
    expect(second.process.exitCode).toBeNull();
    expect(await liveSince(stream.id)).toBe(secondSince);
  });

  it('answers 404 for takeover of an unknown stream', async () => {
    const res = await fetch(`${controlPlane.httpUrl}/api/v1/streams/no_such_stream_0/takeover`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.adminToken}` },
    });
    expect(res.status).toBe(404);
  });

  it('lets an RTMP player that arrives first wait for the publisher, and tells a player of a stream that never starts after the wait', async () => {
    const stream = await api<CreatedStream>('POST', '/streams', { name: 'late publisher' });
    const probe = (id: string) =>
      execFileAsync('ffprobe', ['-v', 'error', '-rw_timeout', '15000000', '-show_streams', '-of', 'json', `rtmp://127.0.0.1:${rtmpPort}/live/${id}`], {
        timeout: 30_000,
      });
    const playing = probe(stream.id);
    await sleep(1500);
    publish(stream);
    const { stdout } = await playing;
    const codecs = (JSON.parse(stdout) as { streams: Array<{ codec_name: string }> }).streams.map((s) => s.codec_name).sort();
    expect(codecs).toEqual(['aac', 'h264']);

    const started = Date.now();
    await expect(probe('never_live_stream')).rejects.toThrow();
    // It waited (INGEST_PLAY_WAIT_MS is 4 s here) before hearing StreamNotFound.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
  });
});
