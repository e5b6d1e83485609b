import { APP_NAMES } from '@mediaplane/contracts';
import { cleanupNamespace, freePort, freeUdpPort, killAllChildren, platformEnv, startApp, waitFor, type AppProcess } from '@mediaplane/testing';

/**
 * The foundation's promise: every app boots as a real process, answers its
 * three endpoints, announces itself, leaves the cluster view when killed and
 * drains cleanly on SIGTERM.
 */
describe('the platform on one host', () => {
  const platform = platformEnv();
  const apps = new Map<string, AppProcess>();

  async function appEnv(): Promise<Record<string, string>> {
    // Every listener on a free port so parallel test runs never collide.
    return {
      ...platform.env,
      INGEST_RTMP_PORT: String(await freePort()),
      INGEST_RTMPS_PORT: String(await freePort()),
      INGEST_SRT_PORT: String(await freeUdpPort()),
      SFU_RTC_MIN_PORT: '0',
    };
  }

  async function nodes(controlPlane: AppProcess): Promise<Array<{ app: string; id: string; health: string; load: { rssBytes: number } }>> {
    const res = await fetch(`${controlPlane.httpUrl}/api/v1/nodes`, { headers: { authorization: `Bearer ${platform.adminToken}` } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { nodes: Array<{ app: string; id: string; health: string; load: { rssBytes: number } }> }).nodes;
  }

  beforeAll(async () => {
    const env = await appEnv();
    const started = await Promise.all(APP_NAMES.map(async (app) => startApp(app, { httpPort: await freePort(), env })));
    for (const app of started) apps.set(app.app, app);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...apps.values()].map((a) => a.stop()));
    await killAllChildren();
    await cleanupNamespace(platform.namespace);
  });

  it.each([...APP_NAMES])('%s answers /healthz, /readyz and /metrics', async (name) => {
    const app = apps.get(name) as AppProcess;
    const health = await fetch(`${app.httpUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', app: name });
    const ready = await fetch(`${app.httpUrl}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await fetch(`${app.httpUrl}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await metrics.text();
    // prom-client's default metrics under their standard names, as stock Node.js dashboards query them.
    for (const metric of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(text).toMatch(new RegExp(`^${metric}\\{app="${name}",instance="[^"]+"\\} `, 'm'));
    }
    expect(text).not.toContain('mediaplane_process_');
  });

  // Issue 14 item 3: helmet's headers on every HTTP surface, while media routes keep the CORS players on other origins need.
  it.each([...APP_NAMES])('%s sends the security headers on /healthz, /metrics and its media routes', async (name) => {
    const app = apps.get(name) as AppProcess;
    const mediaRoutes: Record<string, string[]> = { ingest: ['/live/no-such-stream.flv'], edge: ['/hls/no-such-stream/index.m3u8'] };
    for (const path of ['/healthz', '/metrics', ...(mediaRoutes[name] ?? [])]) {
      const media = mediaRoutes[name]?.includes(path) ?? false;
      const res = await fetch(`${app.httpUrl}${path}`, { headers: { origin: 'http://player.example' } });
      await res.arrayBuffer();
      const seen = {
        path,
        nosniff: res.headers.get('x-content-type-options'),
        frame: res.headers.get('x-frame-options'),
        corp: res.headers.get('cross-origin-resource-policy'),
        csp: /default-src 'self'/.test(res.headers.get('content-security-policy') ?? ''),
        cors: media ? res.headers.get('access-control-allow-origin') : 'n/a',
      };
      expect(seen).toEqual({ path, nosniff: 'nosniff', frame: 'DENY', corp: 'cross-origin', csp: true, cors: media ? '*' : 'n/a' });
    }
  });

  it('lists every running instance in the cluster view through NATS heartbeats and Redis', async () => {
    const controlPlane = apps.get('control-plane') as AppProcess;
    const seen = await waitFor(
      async () => {
        const list = await nodes(controlPlane);
        return APP_NAMES.every((app) => list.some((n) => n.app === app && n.health === 'ready')) ? list : undefined;
      },
      { what: 'all six apps in /api/v1/nodes' },
    );
    expect(seen.every((n) => n.load.rssBytes > 0)).toBe(true);
  });

  it('refuses the cluster view without the admin token', async () => {
    const controlPlane = apps.get('control-plane') as AppProcess;
    const res = await fetch(`${controlPlane.httpUrl}/api/v1/nodes`, { headers: { authorization: 'Bearer wrong-token-of-some-length' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
  });

  it('drops a SIGKILLed instance within three heartbeats and shows a restarted one again', async () => {
    const controlPlane = apps.get('control-plane') as AppProcess;
    const edge = apps.get('edge') as AppProcess;
    const edgeIds = async () => (await nodes(controlPlane)).filter((n) => n.app === 'edge').map((n) => n.id);
    await waitFor(async () => (await edgeIds()).length === 1, { what: 'edge listed' });
    const killedAt = Date.now();
    await edge.kill();
    await waitFor(async () => (await edgeIds()).length === 0, { timeoutMs: 10_000, intervalMs: 100, what: 'killed edge to expire' });
    // Heartbeat 1 s → TTL 3 s; allow scheduling slack on a loaded 2-core machine.
    expect(Date.now() - killedAt).toBeLessThan(3000 + 2500);

    const restarted = await startApp('edge', { httpPort: await freePort(), env: await appEnv() });
    apps.set('edge', restarted);
    await waitFor(async () => (await edgeIds()).length === 1, { what: 'restarted edge listed' });
  });

  it('turns readiness false at once on SIGTERM, finishes draining and exits 0', async () => {
    const env = { ...(await appEnv()), MEDIAPLANE_SHUTDOWN_DELAY_MS: '1500' };
    const transcode = await startApp('transcode', { httpPort: await freePort(), env });
    process.kill(transcode.process.pid as number, 'SIGTERM');
    const during = await waitFor(
      async () => {
        const res = await fetch(`${transcode.httpUrl}/readyz`).catch(() => undefined);
        return res?.status === 503 ? res : undefined;
      },
      { timeoutMs: 1400, intervalMs: 50, what: 'readyz 503 while draining' },
    );
    expect(await during.json()).toMatchObject({ ready: false, state: 'draining' });
    expect(await transcode.exited).toBe(0);
  });

  it('refuses to start with a message naming the bad variable', async () => {
    const bad = await startApp('edge', { httpPort: await freePort(), env: { ...platform.env, MEDIAPLANE_HEARTBEAT_MS: 'soon' }, waitReady: false });
    expect(await bad.exited).toBe(78);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(bad.logFile, 'utf8')).toMatch(/MEDIAPLANE_HEARTBEAT_MS/);
  });
});
