import { restreamContracts, type RestreamOutputList, type RestreamOutputView } from '@mediaplane/contracts';
import { LiveStreamStore, RestreamOutputStore, type LiveStreamState } from '@mediaplane/sessions';
import { killAllChildren, waitFor } from '@mediaplane/testing';
import { ControlPlaneHarness } from '../../test/control-plane-harness';

jest.setTimeout(60_000);

const KEY = 'secretStreamNameAbc123';

describe('the restream outputs API (control plane on real NATS and Redis)', () => {
  let cp: ControlPlaneHarness;

  beforeAll(async () => {
    cp = await ControlPlaneHarness.start({ CONTROL_PLANE_RESTREAM_MAX_OUTPUTS: '3', MEDIAPLANE_RESTREAM_ALLOWLIST: '127.0.0.1' });
  }, 60_000);

  afterAll(async () => {
    await cp?.stop();
    await killAllChildren();
  });

  const createStream = async () => (await cp.api<{ id: string }>('POST', '/api/v1/streams', { body: { name: 'restreamed' } })).body.id;
  const outputs = (id: string) => `/api/v1/streams/${id}/outputs`;

  it('needs the admin token on every route', async () => {
    const id = await createStream();
    for (const [method, path] of [
      ['GET', outputs(id)],
      ['POST', outputs(id)],
      ['DELETE', `${outputs(id)}/out_x`],
    ] as const) {
      expect((await cp.api(method, path, { token: null, body: method === 'POST' ? { url: 'rtmp://127.0.0.1/live/k' } : undefined })).status).toBe(401);
    }
  });

  it('adds an output and never shows its URL again', async () => {
    const id = await createStream();
    const created = await cp.api<RestreamOutputView>('POST', outputs(id), { body: { url: `rtmp://127.0.0.1:1935/live/${KEY}`, name: 'Local' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      streamId: id,
      name: 'Local',
      enabled: true,
      state: 'idle',
      bytesSent: 0,
      target: { scheme: 'rtmp', host: '127.0.0.1', port: 1935, redacted: 'rtmp://127.0.0.1:1935/live/••••' },
    });
    const listed = await cp.api<RestreamOutputList>('GET', outputs(id));
    expect(listed.body).toMatchObject({ limit: 3, outputs: [{ id: created.body.id }] });
    expect(created.text + listed.text).not.toContain(KEY);
    // Stored for the worker, with the secret.
    expect((await new RestreamOutputStore(cp.redis, cp.namespace).get(id, created.body.id))?.url).toContain(KEY);
  });

  it('names the host as the default name, and keeps disabled outputs disabled', async () => {
    const id = await createStream();
    const created = await cp.api<RestreamOutputView>('POST', outputs(id), { body: { url: 'srt://127.0.0.1:9000?streamid=abc', enabled: false } });
    expect(created.body).toMatchObject({ name: '127.0.0.1', enabled: false, state: 'disabled', target: { redacted: 'srt://127.0.0.1:9000?••••' } });
  });

  describe('bad input', () => {
    it.each([
      [{}, /url.*required/i],
      [{ url: 42 }, /url: must be a string/],
      [{ url: 'https://127.0.0.1/live/k' }, /url: must use rtmp, rtmps or srt/],
      [{ url: 'srt://127.0.0.1' }, /url: srt:\/\/ needs a port/],
      [{ url: 'rtmp://127.0.0.1' }, /url: rtmp:\/\/ needs an application/],
      [{ url: 'rtmp://127.0.0.1/live/k', extra: 1 }, /extra/],
      [{ url: 'rtmp://127.0.0.1/live/k', enabled: 'yes' }, /enabled: must be true or false/],
      [{ url: 'rtmp://192.168.1.10/live/k' }, /url: .*not a public address.*MEDIAPLANE_RESTREAM_ALLOWLIST/],
      [{ url: 'rtmp://[::1]/live/k' }, /MEDIAPLANE_RESTREAM_ALLOWLIST/],
    ])('refuses %j with a 400 that names the field', async (body, message) => {
      const id = await createStream();
      const res = await cp.api<{ statusCode: number; message: string | string[] }>('POST', outputs(id), { body });
      expect(res.status).toBe(400);
      expect([res.body.message].flat().join('; ')).toMatch(message);
      expect(res.text).not.toContain('192.168.1.10/live/k');
    });

    it('answers 404 for an unknown stream or output', async () => {
      expect((await cp.api('GET', outputs('nope'))).status).toBe(404);
      expect((await cp.api('POST', outputs('nope'), { body: { url: 'rtmp://127.0.0.1/live/k' } })).status).toBe(404);
      const id = await createStream();
      expect((await cp.api('DELETE', `${outputs(id)}/out_missing`)).status).toBe(404);
    });
  });

  it('refuses more than the limit with 409', async () => {
    const id = await createStream();
    for (let i = 0; i < 3; i++) expect((await cp.api('POST', outputs(id), { body: { url: `rtmp://127.0.0.1/live/k${i}` } })).status).toBe(201);
    const fourth = await cp.api<{ message: string }>('POST', outputs(id), { body: { url: 'rtmp://127.0.0.1/live/k4' } });
    expect(fourth.status).toBe(409);
    expect(fourth.body.message).toMatch(/CONTROL_PLANE_RESTREAM_MAX_OUTPUTS/);
  });

  it("shows the worker's reports while the stream is live, tells the worker about changes, and removes outputs", async () => {
    const id = await createStream();
    const changes: string[] = [];
    cp.bus.subscribe(restreamContracts.outputsChanged, (c) => void changes.push(c.streamId), { queue: false });
    const created = (await cp.api<RestreamOutputView>('POST', outputs(id), { body: { url: `rtmp://127.0.0.1/live/${KEY}` } })).body;
    await waitFor(() => changes.includes(id), { what: 'outputs-changed event' });
    const live: LiveStreamState = {
      streamId: id,
      sessionId: 'sess-1',
      node: 'ingest-1',
      protocol: 'rtmp',
      private: false,
      startedAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      media: {},
      bitrateKbps: 0,
      viewers: {},
    };
    expect(await new LiveStreamStore(cp.redis, cp.namespace).claim(live, 30_000)).toBe(true);
    expect((await cp.api<RestreamOutputList>('GET', outputs(id))).body.outputs[0]?.state).toBe('connecting');
    await cp.bus.publish(
      restreamContracts.outputReported,
      { outputId: created.id },
      { streamId: id, outputId: created.id, sessionId: 'sess-1', worker: 'transcode-1', state: 'live', bytesSent: 123_456, reconnects: 1, lastError: 'FFmpeg failed: Connection refused', at: new Date().toISOString() },
    );
    const view = await waitFor(
      async () => {
        const o = (await cp.api<RestreamOutputList>('GET', outputs(id))).body.outputs[0];
        return o?.state === 'live' ? o : undefined;
      },
      { what: 'the report shown' },
    );
    expect(view).toMatchObject({ bytesSent: 123_456, reconnects: 1, worker: 'transcode-1', lastError: 'FFmpeg failed: Connection refused' });

    await new LiveStreamStore(cp.redis, cp.namespace).release(id, 'sess-1');
    expect((await cp.api<RestreamOutputList>('GET', outputs(id))).body.outputs[0]).toMatchObject({ state: 'idle', bytesSent: 123_456 });

    changes.length = 0;
    expect((await cp.api('DELETE', `${outputs(id)}/${created.id}`)).status).toBe(204);
    expect((await cp.api<RestreamOutputList>('GET', outputs(id))).body.outputs).toEqual([]);
    await waitFor(() => changes.includes(id), { what: 'outputs-changed event after the removal' });
  });

  it("forgets a deleted stream's outputs", async () => {
    const id = await createStream();
    await cp.api('POST', outputs(id), { body: { url: 'rtmp://127.0.0.1/live/k' } });
    expect((await cp.api('DELETE', `/api/v1/streams/${id}`)).status).toBe(204);
    await waitFor(async () => (await new RestreamOutputStore(cp.redis, cp.namespace).list(id)).length === 0, { what: 'outputs removed with the stream' });
  });

  it('documents the routes in OpenAPI', async () => {
    const doc = (await cp.api<{ paths: Record<string, Record<string, unknown>> }>('GET', '/api/docs-json')).body;
    expect(Object.keys(doc.paths['/api/v1/streams/{id}/outputs'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/streams/{id}/outputs/{outputId}'] ?? {})).toEqual(['delete']);
  });
});
