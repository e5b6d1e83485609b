import { streamContracts, transcodeContracts } from '@mediaplane/contracts';
import { HlsViewerStore, LiveStreamStore, hashStreamKey, type LiveStreamState } from '@mediaplane/sessions';
import { killAllChildren, waitFor } from '@mediaplane/testing';
import { ControlPlaneHarness } from '../../test/control-plane-harness';

jest.setTimeout(60_000);

interface Created {
  id: string;
  name: string;
  streamKey: string;
  private: boolean;
  ingest: Record<string, string>;
  playback: Record<string, string>;
}

describe('the streams API (control plane on real NATS and Redis)', () => {
  let cp: ControlPlaneHarness;

  beforeAll(async () => {
    // This suite sends dozens of wrong admin tokens on purpose (every route × every kind); the limit itself is tested in admin-auth.int-spec.
    cp = await ControlPlaneHarness.start({ CONTROL_PLANE_ADMIN_AUTH_FAILURE_LIMIT: '1000' });
  }, 60_000);

  afterAll(async () => {
    await cp?.stop();
    await killAllChildren();
  });

  const create = async (body: Record<string, unknown> = { name: 'Show' }) => {
    const res = await cp.api<Created>('POST', '/api/v1/streams', { body });
    expect(res.status).toBe(201);
    return res.body;
  };

  const authorize = (streamKey: string, remoteAddress = '203.0.113.7') =>
    cp.bus.request(streamContracts.publishAuthorize, {}, { protocol: 'rtmp', keyHash: hashStreamKey(streamKey), remoteAddress, node: 'test-ingest' });

  describe('authentication', () => {
    it.each([
      ['no Authorization header', null, undefined],
      ['a wrong token', 'wrong-token-of-enough-length', undefined],
      ['an empty bearer', null, 'Bearer '],
      ['another scheme', null, 'Basic YWRtaW46YWRtaW4='],
      ['a long token', 'x'.repeat(8000), undefined],
    ])('answers 401 JSON with %s, on every route', async (_what, token, header) => {
      const routes: Array<[string, string]> = [
        ['GET', '/api/v1/streams'],
        ['POST', '/api/v1/streams'],
        ['GET', '/api/v1/streams/abc'],
        ['POST', '/api/v1/streams/abc/rotate-key'],
        ['POST', '/api/v1/streams/abc/kick'],
        ['DELETE', '/api/v1/streams/abc'],
        ['POST', '/api/v1/streams/abc/playback-tokens'],
        ['PATCH', '/api/v1/streams/abc'],
        ['GET', '/api/v1/webhooks'],
        ['GET', '/api/v1/nodes'],
      ];
      for (const [method, path] of routes) {
        const res = await cp.api(method, path, {
          token,
          headers: header ? { authorization: header } : {},
          body: method === 'POST' ? { name: 'x' } : method === 'PATCH' ? { srt: { latencyMs: 200 } } : undefined,
        });
        expect({ route: `${method} ${path}`, status: res.status }).toEqual({ route: `${method} ${path}`, status: 401 });
        expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      }
    });
  });

  describe('creating a stream', () => {
    it('answers 201 with id, key and the PLATFORM.md publish and playback URLs', async () => {
      const created = await create({ name: '  Evening show ', private: true });
      expect(created).toMatchObject({ name: 'Evening show', private: true, record: false });
      expect(created.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      expect(created.streamKey).toMatch(/^sk_[A-Za-z0-9_-]{32}$/);
      expect(created.ingest).toMatchObject({
        rtmp: `rtmp://127.0.0.1:1935/live/${created.streamKey}`,
        srt: `srt://127.0.0.1:9000?streamid=#!::r=live/${created.streamKey},m=publish`,
        whip: `http://127.0.0.1:8083/whip/${created.id}`,
      });
      expect(created.playback).toMatchObject({
        hls: `http://127.0.0.1:8082/hls/${created.id}/master.m3u8`,
        flv: `http://127.0.0.1:8081/live/${created.id}.flv`,
        whep: `http://127.0.0.1:8083/whep/${created.id}`,
        srt: `srt://127.0.0.1:9000?streamid=#!::r=live/${created.id},m=request`,
      });
      expect(JSON.stringify(created.playback)).not.toContain(created.streamKey);
    });

    it('never shows the key again: not in the stream, the list, or the store', async () => {
      const created = await create();
      const one = await cp.api('GET', `/api/v1/streams/${created.id}`);
      const list = await cp.api('GET', '/api/v1/streams');
      expect(one.status).toBe(200);
      for (const text of [one.text, list.text]) {
        expect(text).not.toContain(created.streamKey);
        expect(text).not.toContain(hashStreamKey(created.streamKey));
      }
      // A dump of the KV store holds the key's SHA-256 only.
      const kv = await cp.bus.nc.jetstream().views.kv(`${cp.namespace}_streams`, { bindOnly: true });
      const stored = (await kv.get(created.id))?.string() ?? '';
      expect(stored).toContain(hashStreamKey(created.streamKey));
      expect(stored).not.toContain(created.streamKey);
    });
  });

  describe('input validation', () => {
    it.each([
      ['a missing name', { private: true }, /name: is required/],
      ['an empty name', { name: '   ' }, /name: must not be empty/],
      ['a long name', { name: 'x'.repeat(101) }, /name: must be at most 100 characters/],
      ['a name that is not a string', { name: 42 }, /name: must be a string/],
      ['a name with a bidi override', { name: 'invoice\u202Efdp.exe' }, /name: must not contain bidirectional control characters/],
      ['a name of zero-width characters only', { name: '\u200B\u200D\uFEFF' }, /name: must not be empty/],
      ['a name with a lone surrogate', { name: 'live \uD83C' }, /name: must be valid Unicode/],
      ['private that is not a boolean', { name: 'a', private: 'yes' }, /private: must be true or false/],
      ['an unknown field', { name: 'a', colour: 'red' }, /colour: is not a known field/],
      ['a bad ladder rung', { name: 'a', ladder: { rungs: [{ name: 'low', height: 10, videoBitrateKbps: 500 }] } }, /ladder\.rungs\.0\.height: /],
      ['a body that is not an object', [1, 2], /body: must be a JSON object/],
    ])('answers 400 naming the field for %s', async (_what, body, message) => {
      const res = await cp.api('POST', '/api/v1/streams', { body });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(String(res.body['message'])).toMatch(message);
    });

    it('stores names NFC-normalized, so one name has one spelling', async () => {
      const created = await create({ name: 'Cafe\u0301 live' });
      expect(created.name).toBe('Caf\u00e9 live');
    });

    it('answers 400 for malformed JSON and for a bad ?live filter', async () => {
      expect((await cp.api('POST', '/api/v1/streams', { rawBody: '{"name": ' })).status).toBe(400);
      const res = await cp.api('GET', '/api/v1/streams?live=maybe');
      expect(res.status).toBe(400);
      expect(res.body['message']).toBe('live: must be true or false');
    });

    it.each([
      [{ ttlSeconds: 0 }, /ttlSeconds: must be at least 1/],
      [{ ttlSeconds: 1.5 }, /ttlSeconds: must be a whole number/],
      [{ ttlSeconds: 'soon' }, /ttlSeconds: must be a number of seconds/],
      [{ ttlSeconds: 10 ** 9 }, /ttlSeconds: must be at most/],
    ])('answers 400 naming ttlSeconds for a bad playback token request %j', async (body, message) => {
      const { id } = await create();
      const res = await cp.api('POST', `/api/v1/streams/${id}/playback-tokens`, { body });
      expect(res.status).toBe(400);
      expect(String(res.body['message'])).toMatch(message);
    });
  });

  describe('unknown ids', () => {
    it.each([
      ['GET', ''],
      ['POST', '/rotate-key'],
      ['POST', '/kick'],
      ['DELETE', ''],
      ['POST', '/playback-tokens'],
      ['GET', '/snapshot.jpg'],
      ['PATCH', ''],
    ])('answer 404 on %s /streams/{id}%s', async (method, suffix) => {
      for (const id of ['doesNotExist', 'not.a.valid.id', 'a%20b']) {
        const res = await cp.api(method, `/api/v1/streams/${id}${suffix}`, method === 'PATCH' ? { body: { srt: { latencyMs: 200 } } } : {});
        expect({ id, status: res.status }).toEqual({ id, status: 404 });
        expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      }
    });
  });

  describe('SRT settings', () => {
    const PASSPHRASE = 'srt-pass.phrase_1~';
    type View = { srt: Record<string, unknown>; state: Record<string, unknown> | null; ingest: Record<string, string> };

    it('puts passphrase, key length and latency (µs) into the SRT publish URL of the create response only', async () => {
      const created = await create({ name: 'SRT show', srt: { passphrase: PASSPHRASE, keyLength: 32, latencyMs: 250 } });
      expect(created.ingest['srt']).toBe(
        `srt://127.0.0.1:9000?streamid=#!::r=live/${created.streamKey},m=publish&passphrase=${PASSPHRASE}&pbkeylen=32&latency=250000`,
      );
      expect(created.ingest['srtStreamId']).toBe(`#!::r=live/${created.streamKey},m=publish`);
      expect(created).toMatchObject({ srt: { passphraseSet: true, keyLength: 32, latencyMs: 250 } });

      const one = await cp.api<View>('GET', `/api/v1/streams/${created.id}`);
      const list = await cp.api('GET', '/api/v1/streams');
      expect(one.body.srt).toEqual({ passphraseSet: true, keyLength: 32, latencyMs: 250 });
      for (const text of [one.text, list.text]) expect(text).not.toContain(PASSPHRASE);

      // Rotating the key shows it again, with the new key (the only other response that shows the key).
      const rotated = await cp.api<{ streamKey: string; ingest: Record<string, string> }>('POST', `/api/v1/streams/${created.id}/rotate-key`);
      expect(rotated.body.ingest['srt']).toBe(
        `srt://127.0.0.1:9000?streamid=#!::r=live/${rotated.body.streamKey},m=publish&passphrase=${PASSPHRASE}&pbkeylen=32&latency=250000`,
      );
    });

    it('changes and removes them with PATCH, field by field, null removing', async () => {
      const created = await create({ name: 'Plain' });
      expect(created.ingest['srt']).toBe(`srt://127.0.0.1:9000?streamid=#!::r=live/${created.streamKey},m=publish`);
      expect(created).toMatchObject({ srt: { passphraseSet: false, keyLength: null, latencyMs: null } });
      const patch = (srt: Record<string, unknown>) => cp.api<View>('PATCH', `/api/v1/streams/${created.id}`, { body: { srt } });

      const set = await patch({ passphrase: PASSPHRASE, latencyMs: 400 });
      expect(set.status).toBe(200);
      expect(set.body.srt).toEqual({ passphraseSet: true, keyLength: 16, latencyMs: 400 });
      expect(set.text).not.toContain(PASSPHRASE);
      expect((await patch({ keyLength: 24 })).body.srt).toEqual({ passphraseSet: true, keyLength: 24, latencyMs: 400 });
      const rotated = await cp.api<{ ingest: Record<string, string> }>('POST', `/api/v1/streams/${created.id}/rotate-key`);
      expect(rotated.body.ingest['srt']).toMatch(new RegExp(`&passphrase=${PASSPHRASE}&pbkeylen=24&latency=400000$`));

      expect((await patch({ passphrase: null })).body.srt).toEqual({ passphraseSet: false, keyLength: null, latencyMs: 400 });
      expect((await patch({ latencyMs: null })).body.srt).toEqual({ passphraseSet: false, keyLength: null, latencyMs: null });
      const kv = await cp.bus.nc.jetstream().views.kv(`${cp.namespace}_streams`, { bindOnly: true });
      expect((await kv.get(created.id))?.string() ?? '').not.toContain(PASSPHRASE);
    });

    it.each([
      [{ srt: { passphrase: 'short' } }, /srt\.passphrase: must be at least 10 characters/],
      [{ srt: { passphrase: 'with&ampersand' } }, /srt\.passphrase: may contain only/],
      [{ srt: { keyLength: 24 } }, /srt\.keyLength: applies only with a passphrase/],
      [{ srt: { latencyMs: 9000 } }, /srt\.latencyMs: must be at most 8000 ms/],
      [{ srt: {}, name: 'renamed' }, /name: is not a known field/],
      [{}, /srt: is required/],
    ])('answers 400 naming the field for a PATCH of %j', async (body, message) => {
      const { id } = await create();
      const res = await cp.api('PATCH', `/api/v1/streams/${id}`, { body });
      expect(res.status).toBe(400);
      expect(String(res.body['message'])).toMatch(message);
      expect(res.text).not.toContain('with&ampersand');
    });

    it('answers 400 for a bad SRT passphrase on create', async () => {
      const res = await cp.api('POST', '/api/v1/streams', { body: { name: 'x', srt: { passphrase: 'x'.repeat(80) } } });
      expect(res.status).toBe(400);
      expect(res.body['message']).toBe('srt.passphrase: must be at most 79 characters (libsrt)');
    });

    it('shows the link statistics and SRT viewers of a live SRT publisher', async () => {
      const created = await create({ name: 'SRT live' });
      const link = {
        rttMs: 21.5,
        bandwidthKbps: 80_000,
        receiveRateKbps: 3100,
        packetsReceived: 9000,
        packetsLost: 450,
        packetsRetransmitted: 440,
        packetsDropped: 3,
        receiveBufferMs: 119,
        latencyMs: 120,
      };
      const live: LiveStreamState = {
        streamId: created.id,
        sessionId: 'srt-session',
        node: 'ingest-test-1',
        pullUrl: `http://127.0.0.1:1/live/${created.id}.flv`,
        protocol: 'srt',
        private: false,
        startedAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
        media: { video: { codec: 'h264', width: 640, height: 360 } },
        bitrateKbps: 3000,
        viewers: { srt: 2 },
        link,
      };
      const store = new LiveStreamStore(cp.redis, cp.namespace);
      expect(await store.claim(live, 30_000)).toBe(true);
      const view = await cp.api<View>('GET', `/api/v1/streams/${created.id}`);
      expect(view.body.state).toMatchObject({ protocol: 'srt', link, viewers: { srt: 2, hls: 0 }, viewersTotal: 2 });
      await store.release(created.id, 'srt-session');
      // An RTMP publisher has no link statistics: null, not absent.
      expect(await store.claim({ ...live, sessionId: 'rtmp-session', protocol: 'rtmp', link: undefined }, 30_000)).toBe(true);
      expect((await cp.api<View>('GET', `/api/v1/streams/${created.id}`)).body.state).toMatchObject({ protocol: 'rtmp', link: null });
      await store.release(created.id, 'rtmp-session');
    });
  });

  describe('live state', () => {
    it('shows codecs, size, frame rate, bitrate, start time, protocol, viewers and renditions while live', async () => {
      const created = await create({ name: 'Live one' });
      await create({ name: 'Offline one' });
      const live: LiveStreamState = {
        streamId: created.id,
        sessionId: 'session-1',
        node: 'ingest-test-1',
        pullUrl: `http://127.0.0.1:1/live/${created.id}.flv`,
        protocol: 'rtmp',
        private: false,
        startedAt: new Date(Date.now() - 5000).toISOString(),
        updatedAt: new Date().toISOString(),
        media: {
          video: { codec: 'h264', codecString: 'avc1.42c01f', width: 640, height: 360, fps: 25 },
          audio: { codec: 'aac', codecString: 'mp4a.40.2', sampleRate: 44100, channels: 2 },
        },
        bitrateKbps: 912,
        viewers: { flv: 2, wsflv: 1 },
      };
      // What ingest does when a publisher starts: claim the stream in Redis.
      expect(await new LiveStreamStore(cp.redis, cp.namespace).claim(live, 30_000)).toBe(true);
      // What transcode announces once its ladder runs.
      const rendition = { name: '360p', width: 640, height: 360, bandwidth: 1_000_000, codecs: 'avc1.42c01e,mp4a.40.2', frameRate: 25 };
      await cp.bus.publish(
        transcodeContracts.renditionReady,
        { streamId: created.id },
        { streamId: created.id, origin: 'transcode-1', renditions: [rendition], at: new Date().toISOString() },
      );

      const view = await waitFor(
        async () => {
          const res = await cp.api<{ live: boolean; renditions: unknown[]; state: Record<string, unknown> }>('GET', `/api/v1/streams/${created.id}`);
          return res.body.renditions.length > 0 ? res.body : undefined;
        },
        { what: 'renditions in the stream view' },
      );
      expect(view.live).toBe(true);
      expect(view.state).toMatchObject({
        protocol: 'rtmp',
        node: 'ingest-test-1',
        startedAt: live.startedAt,
        codecs: ['avc1.42c01f', 'mp4a.40.2'],
        width: 640,
        height: 360,
        fps: 25,
        bitrateKbps: 912,
        viewers: { flv: 2, wsflv: 1, hls: 0 },
        viewersTotal: 3,
      });
      expect(view.state['uptimeSeconds']).toBeGreaterThanOrEqual(4);
      expect(view.renditions).toEqual([rendition]);

      // What two edges do while people watch over HLS: each reports its own viewers; the API shows the sum.
      const hls = new HlsViewerStore(cp.redis, cp.namespace);
      await hls.report('edge-a', new Map([[created.id, 4]]), 30_000);
      await hls.report('edge-b', new Map([[created.id, 1]]), 30_000);
      const watched = await cp.api<{ state: Record<string, unknown> }>('GET', `/api/v1/streams/${created.id}`);
      expect(watched.body.state).toMatchObject({ viewers: { flv: 2, wsflv: 1, hls: 5 }, viewersTotal: 8 });

      const liveOnly = await cp.api<{ streams: Array<{ id: string; state: Record<string, unknown> }> }>('GET', '/api/v1/streams?live=true');
      expect(liveOnly.body.streams.map((s) => s.id)).toEqual([created.id]);
      expect(liveOnly.body.streams[0]?.state).toMatchObject({ viewers: { hls: 5 }, viewersTotal: 8 });
      await hls.report('edge-a', new Map([[created.id, 0]]), 30_000);
      await hls.report('edge-b', new Map([[created.id, 0]]), 30_000);
      const all = await cp.api<{ streams: Array<{ id: string }> }>('GET', '/api/v1/streams?live=false');
      expect(all.body.streams.length).toBeGreaterThan(1);

      // The session ends: ingest releases the claim and announces it; the renditions go with it.
      await new LiveStreamStore(cp.redis, cp.namespace).release(created.id, 'session-1');
      await cp.bus.publish(
        streamContracts.streamEnded,
        { streamId: created.id },
        {
          streamId: created.id,
          sessionId: 'session-1',
          protocol: 'rtmp',
          node: 'ingest-test-1',
          reason: 'publisher_closed',
          startedAt: live.startedAt,
          endedAt: new Date().toISOString(),
          bytesIn: 1000,
        },
      );
      await waitFor(async () => (await cp.redis.exists(`${cp.namespace}:cp:renditions:${created.id}`)) === 0, { what: 'renditions cleared' });
      const after = await cp.api('GET', `/api/v1/streams/${created.id}`);
      expect(after.body).toMatchObject({ live: false, state: null, renditions: [] });
    });
  });

  describe('kick, rotate-key and delete', () => {
    it('tell every ingest node to drop the publisher, with the reason', async () => {
      const created = await create();
      const kicks: Array<{ streamId: string; reason: string }> = [];
      const sub = cp.bus.subscribe(streamContracts.streamKick, (payload) => void kicks.push(payload));
      await cp.bus.nc.flush();

      const kick = await cp.api('POST', `/api/v1/streams/${created.id}/kick`);
      expect(kick.status).toBe(202);
      expect(kick.body).toEqual({ id: created.id, wasLive: false });
      const rotate = await cp.api<{ streamKey: string; kicked: boolean; ingest: { rtmp: string } }>('POST', `/api/v1/streams/${created.id}/rotate-key`);
      expect(rotate.status).toBe(200);
      const del = await cp.api('DELETE', `/api/v1/streams/${created.id}`);
      expect(del.status).toBe(204);
      expect(del.text).toBe('');

      await waitFor(() => kicks.length >= 3, { what: 'three kicks' });
      sub.unsubscribe();
      expect(kicks).toEqual([
        { streamId: created.id, reason: 'kicked' },
        { streamId: created.id, reason: 'key_rotated' },
        { streamId: created.id, reason: 'deleted' },
      ]);
      expect((await cp.api('GET', `/api/v1/streams/${created.id}`)).status).toBe(404);
    });

    it('rotating makes the old key unknown and the new one publish to the same stream', async () => {
      const created = await create({ name: 'Rotating', record: true });
      expect(await authorize(created.streamKey)).toMatchObject({ ok: true, streamId: created.id, record: true });
      const rotate = await cp.api<{ streamKey: string; ingest: { rtmp: string } }>('POST', `/api/v1/streams/${created.id}/rotate-key`);
      expect(rotate.body.streamKey).not.toBe(created.streamKey);
      expect(rotate.body.ingest.rtmp).toContain(rotate.body.streamKey);
      expect(await authorize(created.streamKey)).toMatchObject({ ok: false, reason: 'unknown_key' });
      expect(await authorize(rotate.body.streamKey)).toMatchObject({ ok: true, streamId: created.id });
      const view = await cp.api('GET', `/api/v1/streams/${created.id}`);
      expect(view.body['keyRotatedAt']).toEqual(expect.any(String));
      await cp.api('DELETE', `/api/v1/streams/${created.id}`);
      expect(await authorize(rotate.body.streamKey)).toMatchObject({ ok: false, reason: 'unknown_key' });
    });
  });

  describe('durability', () => {
    it('keeps stream definitions and keys across a restart of the control plane (file-backed JetStream KV)', async () => {
      const created = await create({ name: 'Survivor', private: true });
      const jsm = await cp.bus.nc.jetstreamManager();
      expect((await jsm.streams.info(`KV_${cp.namespace}_streams`)).config.storage).toBe('file');

      expect(await cp.app?.stop()).toBe(0);
      await cp.launch();

      const view = await cp.api('GET', `/api/v1/streams/${created.id}`);
      expect(view.status).toBe(200);
      expect(view.body).toMatchObject({ id: created.id, name: 'Survivor', private: true });
      expect(await authorize(created.streamKey)).toMatchObject({ ok: true, streamId: created.id, private: true });
    }, 90_000);
  });

  describe('the HTTP surface', () => {
    it('describes every route and schema in OpenAPI at /api/docs-json, with Swagger UI at /api/docs', async () => {
      const doc = (
        await cp.api<{
          paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>;
          components: { schemas: Record<string, unknown> };
        }>('GET', '/api/docs-json', { token: null })
      ).body;
      const expected: Array<[string, string, string[]]> = [
        ['post', '/api/v1/streams', ['201', '400', '401']],
        ['get', '/api/v1/streams', ['200', '400', '401']],
        ['get', '/api/v1/streams/{id}', ['200', '401', '404']],
        ['post', '/api/v1/streams/{id}/rotate-key', ['200', '401', '404']],
        ['patch', '/api/v1/streams/{id}', ['200', '400', '401', '404', '409']],
        ['post', '/api/v1/streams/{id}/kick', ['202', '401', '404']],
        ['delete', '/api/v1/streams/{id}', ['204', '401', '404']],
        ['post', '/api/v1/streams/{id}/playback-tokens', ['201', '400', '401', '404']],
        ['get', '/api/v1/streams/{id}/snapshot.jpg', ['200', '401', '404']],
        ['get', '/api/v1/nodes', ['200', '401']],
        ['post', '/api/v1/webhooks', ['201', '400', '401']],
        ['get', '/api/v1/webhooks', ['200', '401']],
        ['get', '/api/v1/webhooks/{id}', ['200', '401', '404']],
        ['get', '/api/v1/webhooks/{id}/deliveries', ['200', '401', '404']],
        ['delete', '/api/v1/webhooks/{id}', ['204', '401', '404']],
      ];
      // The API only: not the health and metrics routes every app serves.
      expect(Object.keys(doc.paths).filter((path) => !path.startsWith('/api/v1/'))).toEqual([]);
      for (const [method, path, codes] of expected) {
        const op = doc.paths[path]?.[method];
        expect({ route: `${method} ${path}`, responses: Object.keys(op?.responses ?? {}).sort() }).toEqual({
          route: `${method} ${path}`,
          responses: expect.arrayContaining(codes),
        });
      }
      const refs = [...JSON.stringify(doc.paths).matchAll(/#\/components\/schemas\/(\w+)/g)].map((m) => m[1] as string);
      expect(refs.length).toBeGreaterThan(10);
      for (const ref of refs) expect(doc.components.schemas[ref]).toBeDefined();
      expect(doc.components.schemas['CreateStreamRequest']).toMatchObject({ required: ['name'], properties: { name: { maxLength: 100 } } });
      // Viewers per protocol as the API fills them: HLS (summed over the edges) always, the others when reported.
      expect(doc.components.schemas['Stream']).toMatchObject({
        properties: { state: { properties: { viewers: { required: ['hls'], properties: { hls: { type: 'integer' }, flv: { type: 'integer' } } } } } },
      });
      // SRT: settings in and out, the link statistics described field by field, the URL units spelt out.
      expect(doc.components.schemas['UpdateStreamRequest']).toMatchObject({
        required: ['srt'],
        properties: { srt: { properties: { passphrase: { maxLength: 79 }, latencyMs: { minimum: 20, maximum: 8000 } } } },
      });
      expect(doc.components.schemas['Stream']).toMatchObject({
        properties: {
          srt: { required: ['passphraseSet', 'keyLength', 'latencyMs'] },
          state: { properties: { link: { properties: { rttMs: { description: expect.stringMatching(/round-trip/) } } } } },
        },
      });
      expect(JSON.stringify(doc.components.schemas['CreatedStream'])).toMatch(/MICROseconds/);
      const ui = await fetch(`${cp.url}/api/docs`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toMatch(/swagger/i);
    });

    it('serves the dashboard at / next to the API, health, readiness and metrics', async () => {
      const page = await fetch(`${cp.url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
      const html = await page.text();
      expect(html).toMatch(/<div id="app">/);
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      expect((await fetch(`${cp.url}${script}`)).status).toBe(200);
      for (const path of ['/healthz', '/readyz', '/metrics']) expect((await fetch(`${cp.url}${path}`)).status).toBe(200);
      await create();
      expect(await (await fetch(`${cp.url}/metrics`)).text()).toMatch(/mediaplane_control_plane_stream_operations_total\{[^}]*operation="create"/);
    });
  });
});
