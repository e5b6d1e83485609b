import { streamContracts } from '@mediaplane/contracts';
import { hashStreamKey } from '@mediaplane/sessions';
import { killAllChildren, sleep } from '@mediaplane/testing';
import { ControlPlaneHarness } from '../../test/control-plane-harness';

/** The responder ingest (and later SRT and WHIP) asks before accepting a publisher, tested over a real Bus. */
describe('publish authorization over NATS', () => {
  let cp: ControlPlaneHarness;
  const WINDOW_MS = 3000;

  beforeAll(async () => {
    cp = await ControlPlaneHarness.start({ CONTROL_PLANE_AUTH_FAILURE_LIMIT: '3', CONTROL_PLANE_AUTH_FAILURE_WINDOW_MS: String(WINDOW_MS) });
  }, 60_000);

  afterAll(async () => {
    await cp?.stop();
    await killAllChildren();
  });

  const authorize = (keyHash: string, remoteAddress: string, protocol: 'rtmp' | 'srt' | 'whip' = 'rtmp') =>
    cp.bus.request(streamContracts.publishAuthorize, {}, { protocol, keyHash, remoteAddress, node: 'ingest-test' });

  it('maps a key hash to its stream with the settings ingest needs, for every protocol', async () => {
    const ladder = { rungs: [{ name: '360p', height: 360, videoBitrateKbps: 800 }] };
    const created = (
      await cp.api<{ id: string; streamKey: string }>('POST', '/api/v1/streams', { body: { name: 'Auth me', private: true, record: true, ladder } })
    ).body;
    for (const protocol of ['rtmp', 'srt', 'whip'] as const) {
      expect(await authorize(hashStreamKey(created.streamKey), '198.51.100.1', protocol)).toEqual({
        ok: true,
        streamId: created.id,
        name: 'Auth me',
        private: true,
        record: true,
        ladder: { rungs: [{ name: '360p', height: 360, videoBitrateKbps: 800, audioBitrateKbps: 128 }], source: true, preset: 'veryfast', segmentSeconds: 2 },
      });
    }
  });

  it('gives SRT publishers the SRT settings, and no other protocol the passphrase', async () => {
    const srt = { passphrase: 'publish-secret.42', keyLength: 24, latencyMs: 300 };
    const created = (await cp.api<{ id: string; streamKey: string }>('POST', '/api/v1/streams', { body: { name: 'SRT auth', srt } })).body;
    expect(await authorize(hashStreamKey(created.streamKey), '198.51.100.2', 'srt')).toMatchObject({ ok: true, streamId: created.id, srt });
    for (const protocol of ['rtmp', 'whip'] as const) {
      const answer = await authorize(hashStreamKey(created.streamKey), '198.51.100.2', protocol);
      expect(answer).toMatchObject({ ok: true, streamId: created.id });
      expect(answer).not.toHaveProperty('srt');
    }
    // A change through the API applies to the next publish; a stream without settings sends none.
    await cp.api('PATCH', `/api/v1/streams/${created.id}`, { body: { srt: { passphrase: null, latencyMs: null } } });
    expect(await authorize(hashStreamKey(created.streamKey), '198.51.100.2', 'srt')).not.toHaveProperty('srt');
    await cp.api('PATCH', `/api/v1/streams/${created.id}`, { body: { srt: { latencyMs: 1000 } } });
    expect(await authorize(hashStreamKey(created.streamKey), '198.51.100.2', 'srt')).toMatchObject({ srt: { latencyMs: 1000 } });
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(cp.app?.logFile ?? '', 'utf8')).not.toContain(srt.passphrase);
  });

  it('refuses unknown keys, then rate-limits the address that keeps failing while others go on', async () => {
    const created = (await cp.api<{ id: string; streamKey: string }>('POST', '/api/v1/streams', { body: { name: 'Target' } })).body;
    const guess = () => hashStreamKey(`sk_guess_${Math.random()}`);
    for (let i = 0; i < 3; i++) expect(await authorize(guess(), '::ffff:192.0.2.50')).toMatchObject({ ok: false, reason: 'unknown_key' });
    // Beyond the limit even a right key is refused from that address (IPv4-mapped or not)…
    expect(await authorize(hashStreamKey(created.streamKey), '192.0.2.50')).toMatchObject({ ok: false, reason: 'rate_limited' });
    expect(await authorize(guess(), '192.0.2.50')).toMatchObject({ ok: false, reason: 'rate_limited' });
    // …while another address is unaffected…
    expect(await authorize(hashStreamKey(created.streamKey), '192.0.2.51')).toMatchObject({ ok: true, streamId: created.id });
    // …and the window runs out.
    await sleep(WINDOW_MS + 300);
    expect(await authorize(hashStreamKey(created.streamKey), '192.0.2.50')).toMatchObject({ ok: true, streamId: created.id });
    const metrics = await (await fetch(`${cp.url}/metrics`)).text();
    expect(metrics).toMatch(/mediaplane_publish_authorizations_total\{protocol="rtmp",result="rate_limited"[^}]*\} 2/);
  });

  it('rejects a request that violates the contract with an error, not a crash', async () => {
    await expect(
      cp.bus.request(streamContracts.publishAuthorize, {}, { protocol: 'rtmp', keyHash: 'not-a-hash', remoteAddress: 'x', node: 'n' } as never),
    ).rejects.toThrow(/keyHash/);
    // The raw request reaches the responder, which answers with a contract error.
    const raw = await cp.bus.nc.request(cp.bus.subject(streamContracts.publishAuthorize.subject), Buffer.from(JSON.stringify({ protocol: 'rtmp' })), {
      timeout: 3000,
    });
    expect(raw.headers?.get('Mediaplane-Error')).toMatch(/keyHash/);
    expect(await authorize(hashStreamKey('sk_whatever'), '192.0.2.99')).toMatchObject({ ok: false, reason: 'unknown_key' });
  });

  it('never writes the key hash into its logs', async () => {
    const created = (await cp.api<{ streamKey: string }>('POST', '/api/v1/streams', { body: { name: 'Quiet' } })).body;
    await authorize(hashStreamKey(created.streamKey), '192.0.2.77');
    await sleep(300);
    const { readFileSync } = await import('node:fs');
    const log = readFileSync(cp.app?.logFile ?? '', 'utf8');
    expect(log).toContain('publish authorized');
    expect(log).not.toContain(hashStreamKey(created.streamKey));
    expect(log).not.toContain(created.streamKey);
  });
});
