import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clusterContracts,
  HlsOriginSchema,
  LadderSchema,
  streamContracts,
  transcodeContracts,
  type HlsOrigin,
  type NodeHeartbeat,
} from '@mediaplane/contracts';
import { eventsStreamName } from '@mediaplane/messaging';
import { signPlaybackToken, transcodeKeys } from '@mediaplane/sessions';
import { freePort, killAllChildren, sleep, startApp, uniqueNamespace, waitFor, type AppProcess } from '@mediaplane/testing';
import { startFlvTestSource, type FlvTestSource } from './support/flv-test-source';
import { parseMedia } from '@mediaplane/testing';
import { PlatformStandIn } from './support/live-stream-stand-in';
import { ffmpegProcessesUsing, zombieChildrenOf } from './support/process-table';

jest.setTimeout(240_000);

const SECRET = 'e2e-playback-secret-0123456789';
const ACK_WAIT_MS = 6000;
// Small and fast: these tests are about who runs a job, not about picture quality.
const LIGHT_LADDER = LadderSchema.parse({
  rungs: [{ name: '144p', height: 144, videoBitrateKbps: 150, audioBitrateKbps: 32 }],
  source: true,
  preset: 'ultrafast',
  segmentSeconds: 1,
});

interface Worker {
  app: AppProcess;
  dir: string;
  instanceId: string;
}

describe('transcode jobs on a JetStream work queue shared by a pool of workers', () => {
  const ns = uniqueNamespace('jobs');
  let source: FlvTestSource;
  let platform: PlatformStandIn;
  const workers: Worker[] = [];
  const claims: Array<{ streamId: string; worker: string; delivery: number; at: number }> = [];
  const heartbeats = new Map<string, NodeHeartbeat>();
  const streams = ['s1', 's2', 's3'].map((name) => ({ streamId: `${name}_${Date.now().toString(36)}`, sessionId: PlatformStandIn.sessionId() }));
  const [s1, s2, s3] = streams as [(typeof streams)[number], (typeof streams)[number], (typeof streams)[number]];

  const origin = async (streamId: string): Promise<HlsOrigin | undefined> => {
    const raw = await platform.redis.get(transcodeKeys(ns).hlsOrigin(streamId));
    return raw ? HlsOriginSchema.parse(JSON.parse(raw)) : undefined;
  };
  const liveOrigin = (streamId: string, what: string, accept: (o: HlsOrigin) => boolean = () => true) =>
    waitFor(
      async () => {
        const o = await origin(streamId);
        return o?.live && accept(o) ? o : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what },
    );
  const playlist = async (o: HlsOrigin) => {
    const token = signPlaybackToken(SECRET, o.streamId, new Date(Date.now() + 60_000), 'internal');
    return parseMedia(await (await fetch(`${o.baseUrl}/144p/index.m3u8`, { headers: { authorization: `Bearer ${token}` } })).text());
  };
  const metric = async (w: Worker, name: string) => {
    const text = await (await fetch(`${w.app.httpUrl}/metrics`)).text();
    return text.split('\n').filter((l) => l.startsWith(name));
  };

  async function startWorker(): Promise<Worker> {
    const dir = mkdtempSync(join(tmpdir(), 'mp-jobs-'));
    const app = await startApp('transcode', {
      httpPort: await freePort(),
      env: {
        MEDIAPLANE_NAMESPACE: ns,
        MEDIAPLANE_PLAYBACK_SECRET: SECRET,
        MEDIAPLANE_HEARTBEAT_MS: '1000',
        TRANSCODE_WORK_DIR: dir,
        TRANSCODE_MAX_JOBS: '1',
        TRANSCODE_JOB_ACK_WAIT_MS: String(ACK_WAIT_MS),
        TRANSCODE_STALL_TIMEOUT_MS: '3000',
        TRANSCODE_RESTART_BACKOFF_MAX_MS: '1000',
        TRANSCODE_END_LINGER_MS: '2000',
      },
    });
    const { instanceId } = (await (await fetch(`${app.httpUrl}/healthz`)).json()) as { instanceId: string };
    const worker = { app, dir, instanceId };
    workers.push(worker);
    return worker;
  }
  const byInstance = (instanceId: string | undefined) => workers.find((w) => w.instanceId === instanceId) as Worker;

  beforeAll(async () => {
    [source, platform] = await Promise.all([
      startFlvTestSource({ width: 320, height: 180, fps: 30, gopFrames: 30, secret: SECRET, videoBitrateKbps: 300 }),
      PlatformStandIn.connect(ns),
    ]);
    platform.bus.subscribe(transcodeContracts.jobClaimed, (c) => void claims.push({ ...c, at: Date.now() }), { queue: false });
    platform.bus.subscribe(clusterContracts.nodeHeartbeat, (h) => void heartbeats.set(h.instanceId, h), { queue: false });
    await Promise.all([startWorker(), startWorker()]);
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => (w.app.process.exitCode === null ? w.app.stop() : undefined)));
    await platform?.close();
    await source?.close();
    await killAllChildren();
    for (const w of workers) {
      expect(ffmpegProcessesUsing(w.dir)).toEqual([]);
      rmSync(w.dir, { recursive: true, force: true });
    }
  });

  it('acks and skips a started event whose session is not live (a replayed backlog)', async () => {
    const ghost = `ghost_${Date.now().toString(36)}`;
    await platform.bus.publish(
      streamContracts.streamStarted,
      { streamId: ghost },
      { streamId: ghost, sessionId: 'gone', protocol: 'rtmp', node: 'ingest-x', startedAt: new Date(Date.now() - 3600_000).toISOString(), media: {} },
    );
    const jsm = await platform.bus.nc.jetstreamManager();
    await waitFor(
      async () => {
        const info = await jsm.consumers.info(eventsStreamName(ns), 'transcode-jobs');
        return info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq > 0;
      },
      { timeoutMs: 10_000, what: 'the stale job to be acked' },
    );
    expect(claims.filter((c) => c.streamId === ghost)).toEqual([]);
    expect(await origin(ghost)).toBeUndefined();
  });

  it('spreads streams over the pool: a worker at capacity leaves the next job to another', async () => {
    for (const s of [s1, s2]) await platform.goLive({ ...s, pullUrl: source.pullUrl(s.streamId), width: 320, height: 180, ladder: LIGHT_LADDER });
    const [o1, o2] = await Promise.all([liveOrigin(s1.streamId, 's1 served'), liveOrigin(s2.streamId, 's2 served')]);
    expect(new Set([o1.worker, o2.worker])).toEqual(new Set(workers.map((w) => w.instanceId)));
    // Each reports its load in heartbeats: one job of a capacity of one.
    await waitFor(() => workers.every((w) => heartbeats.get(w.instanceId)?.load.units['jobs'] === 1), {
      timeoutMs: 10_000,
      what: 'heartbeats reporting one job each',
    });
    expect(workers.map((w) => heartbeats.get(w.instanceId)?.load.units['jobCapacity'])).toEqual([1, 1]);
    // The ladder came from the stream definition (asked of the control plane): one rung plus the passthrough.
    expect(o1.renditions.map((r) => r.name)).toEqual(['source', '144p']);
    expect(o1.segmentSeconds).toBe(1);
  });

  it('holds a job back while every worker is busy and gives it to the first one that frees up', async () => {
    await platform.goLive({ ...s3, pullUrl: source.pullUrl(s3.streamId), width: 320, height: 180, ladder: LIGHT_LADDER });
    await sleep(ACK_WAIT_MS + 2000);
    expect(await origin(s3.streamId)).toBeUndefined();
    const freed = (await origin(s1.streamId))?.worker;
    await platform.end(s1);
    const o3 = await liveOrigin(s3.streamId, 's3 served once a worker is free');
    expect(o3.worker).toBe(freed);
    // s1's job was acked when it ended: it is not handed to anyone again.
    await sleep(ACK_WAIT_MS + 1000);
    expect(claims.filter((c) => c.streamId === s1.streamId)).toHaveLength(1);
    await platform.end(s3);
    await waitFor(async () => (await origin(s3.streamId)) === undefined, { timeoutMs: 15_000, what: 's3 to be cleaned up' });
  });

  it('restarts FFmpeg when the pull stalls, continuing the playlist after a discontinuity', async () => {
    const o = await liveOrigin(s2.streamId, 's2 served');
    const before = (await playlist(o)).segments.at(-1)?.msn ?? 0;
    source.pause(s2.streamId);
    try {
      const continued = await waitFor(
        async () => {
          const p = await playlist(o);
          return p.segments.some((s) => s.discontinuity && s.msn > before) ? p : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250, what: 'segments after a restart' },
      );
      const first = continued.segments.find((s) => s.discontinuity);
      expect(first?.msn).toBeGreaterThan(before);
      expect(await metric(byInstance(o.worker), 'mediaplane_transcode_ffmpeg_restarts_total')).toEqual([expect.stringMatching(/reason="stalled".* [1-9]/)]);
      expect(zombieChildrenOf(byInstance(o.worker).app.process.pid as number)).toEqual([]);
    } finally {
      source.resume(s2.streamId);
    }
  });

  it("hands a hung worker's job to another worker, and the hung one stands down when it wakes", async () => {
    const o = await liveOrigin(s2.streamId, 's2 served');
    const hung = byInstance(o.worker);
    const other = workers.find((w) => w !== hung) as Worker;
    const pid = hung.app.process.pid as number;
    process.kill(pid, 'SIGSTOP');
    try {
      const taken = await liveOrigin(s2.streamId, 'the other worker to take s2', (x) => x.worker === other.instanceId);
      expect(claims.some((c) => c.streamId === s2.streamId && c.worker === other.instanceId && c.delivery >= 2)).toBe(true);
      expect(taken.sessionId).toBe(s2.sessionId);
      // The hung worker's FFmpeg is still running meanwhile (only its Node process is frozen).
      expect(ffmpegProcessesUsing(hung.dir).length).toBeGreaterThan(0);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor(() => ffmpegProcessesUsing(hung.dir).length === 0, { timeoutMs: 15_000, what: 'the woken worker to stop its FFmpeg' });
    await sleep(1500);
    expect((await origin(s2.streamId))?.worker).toBe(other.instanceId);
  });

  it('drains on SIGTERM by handing its jobs to another worker at once', async () => {
    const holder = byInstance((await liveOrigin(s2.streamId, 's2 served')).worker);
    await startWorker();
    const stoppedAt = Date.now();
    const exit = holder.app.stop(20_000);
    const taken = await liveOrigin(s2.streamId, 'another worker to take over after the drain', (x) => x.worker !== holder.instanceId);
    const claim = claims.find((c) => c.streamId === s2.streamId && c.worker === taken.worker && c.at >= stoppedAt);
    // Handed back with a nak, not left to time out: the claim comes before the ack wait would have expired.
    expect((claim?.at ?? Infinity) - stoppedAt).toBeLessThan(ACK_WAIT_MS);
    expect(taken.live).toBe(true);
    expect(await exit).toBe(0);
    expect(ffmpegProcessesUsing(holder.dir)).toEqual([]);
    await platform.end(s2);
  });
});
