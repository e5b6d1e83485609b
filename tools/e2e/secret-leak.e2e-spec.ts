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

const NATS_URL = process.env['MEDIAPLANE_NATS_URL'] ?? 'nats://127.0.0.1:4222';
/** Shape of every key the platform issues (`generateStreamKey`). */
const ANY_STREAM_KEY = /sk_[A-Za-z0-9_-]{32}/;

/**
 * Keys are secrets: after a publish with the right key, publishes with wrong
 * ones, a key rotation and a kick, the planted key must appear nowhere but in
 * the API responses that created it — not in any log line, /metrics output or
 * NATS message (events, requests, heartbeats).
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

    const created = await api<{ id: string; streamKey: string }>('POST', '/streams', { name: 'leak check' });
    const key = created.streamKey;
    expect(key).toMatch(ANY_STREAM_KEY);

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
    for (const secret of [key, rotated.streamKey]) {
      for (const text of [...logs, ...metrics, ...natsMessages]) expect(text.includes(secret)).toBe(false);
    }
    for (const text of [...logs, ...metrics, ...natsMessages]) expect(ANY_STREAM_KEY.test(text)).toBe(false);
  });
});
