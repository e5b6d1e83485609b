import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signPlaybackToken } from '@mediaplane/sessions';
import {
  cleanupNamespace,
  ffmpegPublish,
  freePorts,
  killAllChildren,
  platformEnv,
  sleep,
  startApp,
  waitFor,
  type AppProcess,
  type Publisher,
  adminApi,
} from '@mediaplane/testing';

jest.setTimeout(120_000);

interface StreamView {
  live: boolean;
  state: { viewers: Record<string, number>; viewersTotal: number } | null;
}

/**
 * A player as a plain fetch loop: the media playlist about once a second and
 * every segment it has not fetched yet, with its own user agent, following
 * the URIs the edge hands out (so a player that started at the master keeps
 * the session id the edge gave it).
 */
class FetchLoopPlayer {
  private stopped = false;
  private readonly fetched = new Set<string>();
  private loop?: Promise<void>;
  requests = 0;
  failures: string[] = [];

  constructor(
    private readonly userAgent: string,
    private readonly startUrl: string,
    private readonly startsAtMaster: boolean,
  ) {}

  start(): this {
    this.loop = this.run();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async get(url: URL): Promise<string> {
    const res = await fetch(url, { headers: { 'user-agent': this.userAgent } });
    this.requests++;
    const body = await res.text();
    if (res.status !== 200) this.failures.push(`${res.status} ${url.pathname}`);
    return body;
  }

  private async run(): Promise<void> {
    let media = new URL(this.startUrl);
    if (this.startsAtMaster) {
      const master = await this.get(media);
      const variant = master.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#'));
      if (!variant) throw new Error(`no variant in master: ${master}`);
      media = new URL(variant.trim(), media);
    }
    while (!this.stopped) {
      const playlist = await this.get(media);
      const segments = playlist.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
      for (const uri of segments.slice(-2)) {
        if (this.stopped || this.fetched.has(uri)) continue;
        this.fetched.add(uri);
        await this.get(new URL(uri.trim(), media));
      }
      await sleep(1000);
    }
  }
}

/**
 * HLS viewers reach the control plane: the real control plane, ingest,
 * transcode worker and edge; FFmpeg publishes over RTMP; simulated players
 * fetch from the edge. Each edge counts distinct active viewers and reports
 * them to Redis; `GET /api/v1/streams/{id}` shows the sum as `viewers.hls`.
 */
describe('HLS viewer counts (real control plane, ingest, transcode and edge)', () => {
  const platform = platformEnv();
  const env = platform.env;
  const work = mkdtempSync(join(tmpdir(), 'mp-hls-viewers-'));
  let controlPlane: AppProcess;
  let edge: AppProcess;
  let apps: AppProcess[] = [];
  let publisher: Publisher | undefined;
  const players: FetchLoopPlayer[] = [];
  let streamId = '';
  let master = '';

  // The control plane starts in beforeAll, so the client is made per call.
  const api = <T>(method: string, path: string, body?: unknown) => adminApi(controlPlane.httpUrl, platform.adminToken)<T>(method, path, body);
  const hlsViewers = async () => (await api<StreamView>('GET', `/streams/${streamId}`)).state?.viewers['hls'];
  const edgeGauge = async () => {
    const text = await (await fetch(`${edge.httpUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('mediaplane_edge_hls_viewers{') && l.includes(`stream="${streamId}"`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  beforeAll(async () => {
    const [rtmpPort, cpPort, ingestPort, edgePort, transcodePort] = (await freePorts(5)) as [number, number, number, number, number];
    [controlPlane, edge] = await Promise.all([
      startApp('control-plane', { httpPort: cpPort, env: { ...env, MEDIAPLANE_PUBLIC_HLS_URL: `http://127.0.0.1:${edgePort}/hls` } }),
      startApp('edge', { httpPort: edgePort, env: { ...env, EDGE_VIEWER_REPORT_MS: '1000' } }),
    ]);
    apps = [
      controlPlane,
      edge,
      ...(await Promise.all([
        startApp('ingest', { httpPort: ingestPort, env: { ...env, INGEST_RTMP_PORT: String(rtmpPort) } }),
        startApp('transcode', { httpPort: transcodePort, env: { ...env, TRANSCODE_WORK_DIR: work, TRANSCODE_MAX_JOBS: '1' } }),
      ])),
    ];
    // One small rung keeps the worker light on a shared 2-core machine; segments of the default 2 s.
    const created = await api<{ id: string; streamKey: string; playback: { hls: string } }>('POST', '/streams', {
      name: 'counted',
      ladder: { rungs: [{ name: '240p', height: 240, videoBitrateKbps: 300 }], source: false, preset: 'ultrafast' },
    });
    streamId = created.id;
    master = created.playback.hls;
    publisher = ffmpegPublish({ url: `rtmp://127.0.0.1:${rtmpPort}/live/${created.streamKey}`, width: 426, height: 240, fps: 25, gopFrames: 50 });
    // Polled with an internal token: the test's own readiness check must not count as a viewer.
    const internal = signPlaybackToken(platform.playbackSecret, streamId, new Date(Date.now() + 600_000), 'internal');
    await waitFor(
      async () => {
        const res = await fetch(`${master.replace('master.m3u8', '240p/index.m3u8')}?token=${encodeURIComponent(internal)}`);
        return res.status === 200 && (await res.text()).includes('#EXTINF');
      },
      { timeoutMs: 45_000, intervalMs: 250, what: 'a segment in the edge playlist' },
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(players.map((p) => p.stop()));
    await publisher?.stop();
    await Promise.all(apps.map((a) => a.stop()));
    await killAllChildren();
    await cleanupNamespace(platform.namespace);
    rmSync(work, { recursive: true, force: true });
  });

  it('shows 0 HLS viewers while the stream is live and nobody watches', async () => {
    const view = await waitFor(async () => {
      const v = await api<StreamView>('GET', `/streams/${streamId}`);
      return v.live ? v : undefined;
    });
    expect(view.state?.viewers['hls']).toBe(0);
  });

  it('counts two players (distinct user agents) as 2, and an internal-token fetcher not at all', async () => {
    const internal = signPlaybackToken(platform.playbackSecret, streamId, new Date(Date.now() + 600_000), 'internal');
    players.push(
      // Starts at the master: known by the session id the edge adds to the URIs it hands out.
      new FetchLoopPlayer('viewer-a/1.0', master, true).start(),
      // Opens the media playlist directly (no session id): known by address and user agent.
      new FetchLoopPlayer('viewer-b/1.0', master.replace('master.m3u8', '240p/index.m3u8'), false).start(),
      // A platform tool with an internal token (the edge passes it on to every URI): served, never counted.
      new FetchLoopPlayer('internal-tool/1.0', `${master}?token=${encodeURIComponent(internal)}`, true).start(),
    );
    await waitFor(async () => (await hlsViewers()) === 2, { timeoutMs: 15_000, intervalMs: 250, what: 'viewers.hls to reach 2' });
    // Steady over several reports and fetches (a player's repeat fetches never add to the count).
    const seen = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const view = await api<StreamView>('GET', `/streams/${streamId}`);
      seen.add(view.state?.viewers['hls'] ?? -1);
      expect(view.state?.viewersTotal).toBe(Object.values(view.state?.viewers ?? {}).reduce((a, b) => a + b, 0));
      await sleep(500);
    }
    expect([...seen]).toEqual([2]);
    expect(players.every((p) => p.requests >= 4)).toBe(true);
    expect(players.flatMap((p) => p.failures)).toEqual([]);
    expect(await edgeGauge()).toBe(2);
    type Nodes = { nodes: Array<{ app: string; load: { units: Record<string, number> } }> };
    await waitFor(async () => (await api<Nodes>('GET', '/nodes')).nodes.find((n) => n.app === 'edge')?.load.units['viewers'] === 2, {
      timeoutMs: 5_000,
      what: "the edge's heartbeat to report 2 viewers",
    });
  });

  it('drops back to 0 within a few seconds of the players stopping', async () => {
    const [a, b] = players;
    await Promise.all([a?.stop(), b?.stop()]);
    const stoppedAt = Date.now();
    await waitFor(async () => (await hlsViewers()) === 0, { timeoutMs: 15_000, intervalMs: 250, what: 'viewers.hls back to 0' });
    const elapsed = Date.now() - stoppedAt;
    process.stdout.write(`hls viewers: back to 0 in the API ${elapsed} ms after the players stopped (2 s segments, 1 s reports)\n`);
    // Three target durations (6 s) of grace, then the next report (1 s).
    expect(elapsed).toBeLessThan(10_000);
    expect(elapsed).toBeGreaterThan(3_000);
    expect(await edgeGauge()).toBe(0);
    // The internal fetcher was still running all along.
    expect(players[2]?.failures).toEqual([]);
  });
});
