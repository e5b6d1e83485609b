import { readFileSync } from 'node:fs';
import { streamContracts } from '@mediaplane/contracts';
import { RtmpClientConnection } from '@mediaplane/media-io';
import { ffmpegPublish, ffprobe, killAllChildren, sleep, waitFor, type Publisher } from '@mediaplane/testing';
import { IngestHarness, recordWsFlv } from './ingest-harness';

jest.setTimeout(120_000);

/** Publishes with the engine's test client; resolves with the onStatus code and how long the answer took. */
async function tryPublish(port: number, name: string, app = 'live'): Promise<{ code: string; description: string; ms: number; client: RtmpClientConnection }> {
  const client = await RtmpClientConnection.connect({ host: '127.0.0.1', port, app });
  const streamId = await client.createStream();
  const started = Date.now();
  const status = await client.publish(streamId, name);
  return { code: String(status['code']), description: String(status['description']), ms: Date.now() - started, client };
}

describe('ingest publish authorization', () => {
  let harness: IngestHarness;
  /** Every ingest log of this file, for the no-key-in-logs check. */
  const logFiles: string[] = [];
  const keysUsed: string[] = [];

  beforeAll(async () => {
    harness = await IngestHarness.start({ env: { INGEST_AUTH_BACKOFF_BASE_MS: '400', INGEST_AUTH_BACKOFF_MAX_MS: '1600', INGEST_AUTH_MAX_FAILURES: '6' } });
    logFiles.push(harness.app?.logFile ?? '');
  });

  afterAll(async () => {
    await harness?.stop();
    await killAllChildren();
  });

  describe('with an unknown key', () => {
    it('refuses FFmpeg with NetStream.Publish.BadName and closes, announcing publishRejected without the key', async () => {
      const key = 'sk_thisKeyIsNotKnownAnywhere01';
      const pub = ffmpegPublish({ url: harness.rtmpUrl(key), durationSec: 5 });
      const code = await pub.exited;
      expect(code).not.toBe(0);
      expect(pub.stderr()).toMatch(/unknown stream key/);
      const rejected = await waitFor(() => harness.rejections().find((e) => e.payload['reason'] === 'unknown_key'), { what: 'publishRejected' });
      expect(rejected.payload).toMatchObject({ protocol: 'rtmp', reason: 'unknown_key' });
      expect(JSON.stringify(rejected.payload)).not.toContain(key);
      expect(await harness.metric('mediaplane_ingest_auth_failures_total', { reason: 'unknown_key' })).toBeGreaterThanOrEqual(1);
    });

    it('slows down an address that keeps failing, and refuses it outright past the limit', async () => {
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const attempt = await tryPublish(harness.rtmpPort, `sk_wrongGuess_${i}_abcdefgh`);
        expect(attempt.code).toBe('NetStream.Publish.BadName');
        times.push(attempt.ms);
        attempt.client.close();
      }
      // 1 earlier failure from the FFmpeg test: delays of 400, 800, 1600 ms before the answers.
      expect(times[0]).toBeGreaterThanOrEqual(350);
      expect(times[2]).toBeGreaterThanOrEqual(1500);
      expect(times[2]).toBeGreaterThan(times[0] as number);
      // Past INGEST_AUTH_MAX_FAILURES the control plane is not even asked, and a valid key is refused too.
      const before = harness.authorizeRequests;
      for (let i = 0; i < 3; i++) (await tryPublish(harness.rtmpPort, `sk_wrongGuess_more_${i}_abc`)).client.close();
      const good = harness.addStream();
      const blocked = await tryPublish(harness.rtmpPort, good.key);
      blocked.client.close();
      expect(blocked.description).toMatch(/too many failed attempts/);
      expect(harness.authorizeRequests - before).toBeLessThan(3);
      expect(await harness.metric('mediaplane_ingest_auth_failures_total', { reason: 'rate_limited' })).toBeGreaterThanOrEqual(1);
    });
  });

  describe.each([
    ['hangs (the request times out)', 'silent' as const],
    ['is down (no responders)', false as const],
  ])('when the control plane %s', (_what, respond) => {
    it('fails closed: the publish is refused', async () => {
      const lonely = await IngestHarness.start({ respond, env: { MEDIAPLANE_REQUEST_TIMEOUT_MS: '800' } });
      logFiles.push(lonely.app?.logFile ?? '');
      try {
        const stream = lonely.addStream();
        const attempt = await tryPublish(lonely.rtmpPort, stream.key);
        attempt.client.close();
        expect(attempt.code).toBe('NetStream.Publish.BadName');
        expect(attempt.description).toMatch(/authorization unavailable/);
        if (respond === 'silent') expect(attempt.ms).toBeGreaterThanOrEqual(750);
        expect(await lonely.liveState(stream.id)).toBeUndefined();
        await waitFor(() => lonely.rejections().find((e) => e.payload['reason'] === 'unavailable'), { what: 'publishRejected unavailable' });
      } finally {
        await lonely.stop();
      }
    });
  });

  describe('with a key that is already live', () => {
    let first: Publisher;
    const stream = { id: '', key: '' };

    beforeAll(async () => {
      // A fresh namespace-local throttle: the failures above came from this same address.
      await harness.app?.stop();
      harness.app = undefined;
      const fresh = await IngestHarness.start();
      keysUsed.push(...[...harness.streams.values()].map((st) => st.key));
      await harness.stop();
      harness = fresh;
      logFiles.push(harness.app?.logFile ?? '');
      Object.assign(stream, harness.addStream());
      first = ffmpegPublish({ url: harness.rtmpUrl(stream.key), width: 320, height: 240 });
      await harness.waitLive(stream.id);
    });

    afterAll(async () => {
      await first?.stop();
    });

    it('refuses the second publisher as busy and leaves the first one live', async () => {
      const second = await tryPublish(harness.rtmpPort, stream.key);
      second.client.close();
      expect(second.code).toBe('NetStream.Publish.BadName');
      expect(second.description).toBe('already publishing');
      await waitFor(() => harness.rejections().find((e) => e.payload['reason'] === 'busy' && e.payload['streamId'] === stream.id), {
        what: 'publishRejected busy',
      });
      const probed = await ffprobe(harness.flvUrl(stream.id));
      expect(probed.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 320, height: 240 });
      expect(first.process.exitCode).toBeNull();
    });

    it('disconnects the publisher when the API kicks it, and reports the reason', async () => {
      await harness.bus.publish(streamContracts.streamKick, { streamId: stream.id }, { streamId: stream.id, reason: 'kicked' });
      await waitFor(() => first.process.exitCode !== null || first.process.signalCode !== null, { what: 'FFmpeg publisher disconnected', timeoutMs: 10_000 });
      const ended = await waitFor(() => harness.eventsFor(stream.id, 'ended')[0], { what: 'streamEnded' });
      expect(ended.payload['reason']).toBe('kicked');
      expect(await harness.liveState(stream.id)).toBeUndefined();
      // The key works again afterwards.
      const again = await tryPublish(harness.rtmpPort, stream.key);
      expect(again.code).toBe('NetStream.Publish.Start');
      again.client.close();
    });
  });

  describe('a private stream', () => {
    it('needs a valid playback token on HTTP-FLV, WebSocket-FLV and RTMP play', async () => {
      const stream = harness.addStream({ private: true });
      const pub = ffmpegPublish({ url: harness.rtmpUrl(stream.key), width: 320, height: 240 });
      try {
        await harness.waitLive(stream.id);
        expect((await harness.liveState(stream.id))?.private).toBe(true);
        const noToken = await fetch(harness.flvUrl(stream.id));
        expect(noToken.status).toBe(401);
        expect(await noToken.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized', message: expect.stringMatching(/token/) });
        expect((await fetch(harness.flvUrl(stream.id, harness.token('another-stream')))).status).toBe(403);
        expect((await fetch(harness.flvUrl(stream.id, harness.token(stream.id, 'play', -1000)))).status).toBe(403);
        expect((await fetch(harness.flvUrl(stream.id, `${harness.token(stream.id)}x`))).status).toBe(403);
        expect((await recordWsFlv(harness.wsFlvUrl(stream.id), 100)).status).toBe(401);

        const token = harness.token(stream.id);
        const probed = await ffprobe(harness.flvUrl(stream.id, token));
        expect(probed.streams.some((s) => s.codec_type === 'video')).toBe(true);
        expect((await recordWsFlv(harness.wsFlvUrl(stream.id, token), 500)).bytes.length).toBeGreaterThan(1000);
        const rtmpProbe = await ffprobe(`${harness.rtmpUrl(stream.id)}?token=${token}`);
        expect(rtmpProbe.streams.some((s) => s.codec_type === 'video')).toBe(true);
        await expect(ffprobe(harness.rtmpUrl(stream.id), [], 8000)).rejects.toThrow();
      } finally {
        await pub.stop();
      }
    });
  });

  it('never writes a stream key into its logs', async () => {
    await sleep(200);
    keysUsed.push(...[...harness.streams.values()].map((st) => st.key));
    expect(logFiles.length).toBeGreaterThanOrEqual(3);
    for (const file of logFiles) {
      const log = readFileSync(file, 'utf8');
      expect(log).toMatch(/publish refused|publish started/);
      for (const key of keysUsed) expect(log).not.toContain(key);
      expect(log).not.toMatch(/sk_wrongGuess|sk_thisKeyIsNotKnown/);
    }
  });
});
