import {
  adminApi,
  cleanupNamespace,
  ffmpegPublish,
  freePort,
  killAllChildren,
  platformEnv,
  startApp,
  waitFor,
  type AppProcess,
  type Publisher,
} from '@mediaplane/testing';
import { openHttpFlvViewer, type BenchViewer } from '../bench/common/bench-viewers';
import { watchByteFlow } from './support/byte-flow';

jest.setTimeout(180_000);

interface CreatedStream {
  id: string;
  streamKey: string;
}

/**
 * Issue 14 item 8: with the control plane dead, nobody new publishes (the
 * publish authorization gets no answer: fail closed), while what is live
 * goes on — its publisher stays connected and its HTTP-FLV viewer keeps
 * receiving bytes. Real control plane, ingest, FFmpeg publishers.
 */
describe('control plane down', () => {
  const platform = platformEnv({ MEDIAPLANE_REQUEST_TIMEOUT_MS: '1500' });
  let controlPlane: AppProcess;
  let ingest: AppProcess;
  let rtmpPort: number;
  let viewer: BenchViewer | undefined;
  const publishers: Publisher[] = [];
  const publish = (stream: CreatedStream): Publisher => {
    const p = ffmpegPublish({ url: `rtmp://127.0.0.1:${rtmpPort}/live/${stream.streamKey}`, width: 320, height: 180, fps: 25, videoBitrateKbps: 300 });
    publishers.push(p);
    return p;
  };

  beforeAll(async () => {
    rtmpPort = await freePort();
    controlPlane = await startApp('control-plane', { httpPort: await freePort(), env: platform.env });
    ingest = await startApp('ingest', { httpPort: await freePort(), env: { ...platform.env, INGEST_RTMP_PORT: String(rtmpPort), INGEST_PLAY_WAIT_MS: '0' } });
  });

  afterAll(async () => {
    viewer?.close();
    await Promise.all(publishers.map((p) => p.stop()));
    await Promise.all([ingest?.stop(), controlPlane?.stop()]);
    await killAllChildren();
    await cleanupNamespace(platform.namespace);
  });

  it('refuses new publishes (fail closed) while the live stream and its viewer go on', async () => {
    const api = adminApi(controlPlane.httpUrl, platform.adminToken);
    const live = await api<CreatedStream>('POST', '/streams', { name: 'live before the outage' });
    const next = await api<CreatedStream>('POST', '/streams', { name: 'first published during the outage' });
    const livePublisher = publish(live);
    await waitFor(async () => (await api<{ live: boolean }>('GET', `/streams/${live.id}`)).live, { timeoutMs: 30_000, what: 'the first stream live' });
    viewer = await openHttpFlvViewer(`${ingest.httpUrl}/live/${live.id}.flv`, () => undefined);
    await waitFor(() => (viewer?.bytesReceived ?? 0) > 20_000, { what: 'viewer bytes' });

    const flow = watchByteFlow(viewer, 12_000);
    await controlPlane.kill();

    // Refused at the protocol level: FFmpeg's publish fails and it exits non-zero; the refusal says why.
    const refused = publish(next);
    expect(await refused.exited).not.toBe(0);
    const metrics = await (await fetch(`${ingest.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/mediaplane_ingest_publish_rejections_total\{[^}]*reason="unavailable"[^}]*\} [1-9]/);

    const { samples, stalledWindows } = await flow;
    process.stdout.write(`control plane down: viewer bytes per second ${samples.map((s, i) => (i === 0 ? 0 : s - (samples[i - 1] as number))).slice(1).join(' ')}\n`);
    expect(stalledWindows).toBe(0);
    expect(livePublisher.process.exitCode).toBeNull();
    expect(await Promise.race([viewer.ended, Promise.resolve('still open')])).toBe('still open');

    // Back up: the stream published during the outage goes live on the next try (nothing stuck in a refused state).
    controlPlane = await startApp('control-plane', { httpPort: await freePort(), env: platform.env });
    const api2 = adminApi(controlPlane.httpUrl, platform.adminToken);
    publish(next);
    await waitFor(async () => (await api2<{ live: boolean }>('GET', `/streams/${next.id}`)).live, { timeoutMs: 30_000, what: 'the second stream live after the restart' });
    expect((await api2<{ live: boolean }>('GET', `/streams/${live.id}`)).live).toBe(true);
  });
});
