import {
  adminApi,
  cleanupNamespace,
  ffmpegPublish,
  freePort,
  killAllChildren,
  platformEnv,
  sleep,
  startApp,
  startPrivateRedis,
  waitFor,
  type AppProcess,
  type PrivateServer,
  type Publisher,
} from '@mediaplane/testing';
import { openHttpFlvViewer, type BenchViewer } from '../bench/common/bench-viewers';
import { watchByteFlow } from './support/byte-flow';

jest.setTimeout(180_000);

/** The owners' refresh period here: node heartbeats and ingest's live-state writes. */
const HEARTBEAT_MS = 1000;

interface StreamView {
  live: boolean;
  state: { node: string } | null;
}

/**
 * Issue 14 item 8: Redis holds only what its owners rewrite (live state,
 * heartbeats), so a Redis that restarts empty (a private redis-server without
 * persistence, killed with SIGKILL) is repopulated by them: the API shows the
 * stream live again within one heartbeat period of Redis being back, the
 * cluster view lists the nodes again, and media never depended on it.
 */
describe('Redis restarted empty', () => {
  let redis: PrivateServer;
  let platform: ReturnType<typeof platformEnv>;
  let controlPlane: AppProcess;
  let ingest: AppProcess;
  let publisher: Publisher | undefined;
  let viewer: BenchViewer | undefined;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    platform = platformEnv({ MEDIAPLANE_REDIS_URL: redis.url, MEDIAPLANE_HEARTBEAT_MS: String(HEARTBEAT_MS), INGEST_STATS_INTERVAL_MS: String(HEARTBEAT_MS) });
    controlPlane = await startApp('control-plane', { httpPort: await freePort(), env: platform.env });
    ingest = await startApp('ingest', { httpPort: await freePort(), env: { ...platform.env, INGEST_RTMP_PORT: String(await freePort()) } });
  });

  afterAll(async () => {
    viewer?.close();
    await publisher?.stop();
    await Promise.all([ingest?.stop(), controlPlane?.stop()]);
    await killAllChildren();
    await redis?.close();
    await cleanupNamespace(platform.namespace);
  });

  it('shows the stream live again within one heartbeat period, and the viewer never noticed', async () => {
    const api = adminApi(controlPlane.httpUrl, platform.adminToken);
    const stream = await api<{ id: string; streamKey: string }>('POST', '/streams', { name: 'redis restart' });
    publisher = ffmpegPublish({ url: `rtmp://127.0.0.1:${ingest.env['INGEST_RTMP_PORT']}/live/${stream.streamKey}`, width: 320, height: 180, fps: 25, videoBitrateKbps: 300 });
    await waitFor(async () => (await api<StreamView>('GET', `/streams/${stream.id}`)).live, { timeoutMs: 30_000, what: 'stream live' });
    viewer = await openHttpFlvViewer(`${ingest.httpUrl}/live/${stream.id}.flv`, () => undefined);
    const flow = watchByteFlow(viewer, 8000);

    await redis.kill();
    await sleep(1500); // more than one refresh fails against the dead server
    const notReady = await (await fetch(`${ingest.httpUrl}/readyz`)).json();
    expect(notReady).toMatchObject({ ready: false, failing: ['redis'] });
    await redis.start();
    const backAt = Date.now();
    const live = await waitFor(
      async () => {
        const res = await fetch(`${controlPlane.httpUrl}/api/v1/streams/${stream.id}`, { headers: { authorization: `Bearer ${platform.adminToken}` } });
        const view = res.status === 200 ? ((await res.json()) as StreamView) : undefined;
        return view?.live ? view : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 50, what: 'the stream live again after the restart' },
    );
    const rebuiltMs = Date.now() - backAt;
    const nodes = await waitFor(
      async () => {
        const list = (await api<{ nodes: Array<{ app: string }> }>('GET', '/nodes')).nodes;
        return list.some((n) => n.app === 'ingest') && list.some((n) => n.app === 'control-plane') ? list : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50, what: 'both nodes in the cluster view' },
    );
    const nodesMs = Date.now() - backAt;
    process.stdout.write(`redis restart: stream live again ${rebuiltMs} ms, cluster view ${nodesMs} ms after Redis accepted connections (heartbeat ${HEARTBEAT_MS} ms)\n`);
    expect(live.state?.node).toBeTruthy();
    expect(nodes.length).toBeGreaterThanOrEqual(2);
    // One heartbeat period plus the client's reconnect delay and scheduling slack on a loaded machine.
    expect(rebuiltMs).toBeLessThan(HEARTBEAT_MS + 1500);
    await waitFor(async () => (await fetch(`${ingest.httpUrl}/readyz`)).status === 200, { timeoutMs: 5000, what: 'ingest ready again' });

    const { stalledWindows } = await flow;
    expect(stalledWindows).toBe(0);
    expect(publisher.process.exitCode).toBeNull();
  });
});
