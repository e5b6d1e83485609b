import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import {
  adminApi,
  cleanupNamespace,
  ffmpegPublish,
  freePort,
  freeUdpPort,
  killAllChildren,
  platformEnv,
  startApp,
  testLogDir,
  waitFor,
  type AppProcess,
} from '@mediaplane/testing';
import { hashStreamKey } from '@mediaplane/sessions';

const NATS_URL = process.env['MEDIAPLANE_NATS_URL'] ?? 'nats://127.0.0.1:4222';
/** Shape of every key the platform issues (`generateStreamKey`). */
const ANY_STREAM_KEY = /sk_[A-Za-z0-9_-]{32}/;

/**
 * Keys are secrets: after a publish with the right key, publishes with wrong
 * ones, a key rotation and a kick, the planted key must appear nowhere but in
 * the API responses that created it — not in any log line, /metrics output or
 * NATS message (events, requests, heartbeats). The same for the stream's SRT
 * passphrases (set on create, changed, refused, granted to an SRT publisher).
 */
describe('a planted stream key', () => {
  const platform = platformEnv();
  const apps: AppProcess[] = [];
  const natsMessages: string[] = [];
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    nc.subscribe(`${platform.namespace}.>`, {
      callback: (_err, msg) => natsMessages.push(`${msg.subject} ${Buffer.from(msg.data).toString('utf8')} ${JSON.stringify(msg.headers ?? {})}`),
    });
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await killAllChildren();
    await cleanupNamespace(platform.namespace, { nc });
    await nc.close();
  });

  it('never reaches logs, metrics or NATS payloads', async () => {
    const rtmpPort = await freePort();
    const env = {
      ...platform.env,
      MEDIAPLANE_LOG_LEVEL: 'debug',
      INGEST_RTMP_PORT: String(rtmpPort),
      INGEST_RTMPS_PORT: String(await freePort()),
      INGEST_SRT_PORT: String(await freeUdpPort()),
    };
    const controlPlane = await startApp('control-plane', { httpPort: await freePort(), env });
    const ingest = await startApp('ingest', { httpPort: await freePort(), env });
    apps.push(controlPlane, ingest);
    const api = adminApi(controlPlane.httpUrl, platform.adminToken);

    const passphrases = ['planted-srt-pass.1', 'planted-srt-pass.2', 'planted&bad-pass'];
    const created = await api<{ id: string; streamKey: string; ingest: { srt: string } }>('POST', '/streams', {
      name: 'leak check',
      srt: { passphrase: passphrases[0], latencyMs: 200 },
    });
    const key = created.streamKey;
    expect(key).toMatch(ANY_STREAM_KEY);
    expect(created.ingest.srt).toContain(`passphrase=${passphrases[0]}`);
    await api('PATCH', `/streams/${created.id}`, { srt: { passphrase: passphrases[1], keyLength: 32 } });
    const refused = await fetch(`${controlPlane.httpUrl}/api/v1/streams/${created.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${platform.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ srt: { passphrase: passphrases[2] } }),
    });
    expect(refused.status).toBe(400);
    // What the SRT listener asks before a handshake: the grant carries the passphrase (on the reply inbox only).
    const grant = await nc.request(
      `${platform.namespace}.ingest.v1.publish.authorize`,
      JSON.stringify({ protocol: 'srt', keyHash: hashStreamKey(key), remoteAddress: '192.0.2.10', node: 'leak-test' }),
      { timeout: 5000 },
    );
    expect(JSON.parse(grant.string())).toMatchObject({ ok: true, srt: { passphrase: passphrases[1], keyLength: 32 } });

    const publisher = ffmpegPublish({ url: `rtmp://127.0.0.1:${rtmpPort}/live/${key}?key=${key}` });
    await waitFor(async () => (await api<{ live: boolean }>('GET', `/streams/${created.id}`)).live, { timeoutMs: 30_000, what: 'stream live' });
    const wrong = ffmpegPublish({ url: `rtmp://127.0.0.1:${rtmpPort}/live/${key}x`, durationSec: 2 });
    await wrong.exited;
    const rotated = await api<{ streamKey: string }>('POST', `/streams/${created.id}/rotate-key`);
    expect(rotated.streamKey).not.toBe(key);
    await publisher.exited;

    const metrics = await Promise.all(apps.map(async (a) => (await fetch(`${a.httpUrl}/metrics`)).text()));
    await Promise.all(apps.map((a) => a.stop()));
    apps.length = 0;

    const logs = readdirSync(testLogDir())
      .filter((f) => f.includes(platform.namespace))
      .map((f) => readFileSync(join(testLogDir(), f), 'utf8'));
    expect(logs.join('').length).toBeGreaterThan(1000); // the apps did log: the search below is not vacuous
    expect(natsMessages.length).toBeGreaterThan(5);
    for (const secret of [key, rotated.streamKey, ...passphrases]) {
      for (const text of [...logs, ...metrics, ...natsMessages]) expect(text.includes(secret)).toBe(false);
    }
    for (const text of [...logs, ...metrics, ...natsMessages]) expect(ANY_STREAM_KEY.test(text)).toBe(false);
  });
});
