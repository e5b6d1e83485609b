import {
  adminApi,
  cleanupNamespace,
  ffmpegPublish,
  ffprobe,
  freePort,
  killAllChildren,
  platformEnv,
  sleep,
  startApp,
  waitFor,
  type AppProcess,
  type Publisher,
} from '@mediaplane/testing';
import { startFailoverBalancer, type FailoverBalancer } from './support/failover-tcp-balancer';

jest.setTimeout(180_000);

interface StreamView {
  live: boolean;
  state: { node: string; startedAt: string } | null;
}

/**
 * Issue 14 item 8: an ingest node SIGKILLed under a live publisher. The
 * publisher (FFmpeg in a reconnect loop, as encoders retry) sits behind a
 * TCP balancer that sends each new connection to the first ingest node that
 * accepts it; after the kill it lands on the other node, which sees that the
 * stream's live state belongs to a node that is gone (no NATS responder to
 * its ping) and takes it over at once instead of refusing the publisher as
 * busy until the entry expires. Same stream id, live on the other node, FLV
 * playable there.
 */
describe('ingest SIGKILLed mid-publish', () => {
  // A long TTL (3 × 5 s): the stream can only come back this fast if the dead node's entry is taken over, not expired.
  const platform = platformEnv({ INGEST_STATS_INTERVAL_MS: '5000' });
  let controlPlane: AppProcess;
  const ingests: AppProcess[] = [];
  let balancer: FailoverBalancer;
  let publishing = true;
  let current: Publisher | undefined;
  let loop: Promise<void> | undefined;

  beforeAll(async () => {
    controlPlane = await startApp('control-plane', { httpPort: await freePort(), env: platform.env });
    for (let i = 0; i < 2; i++) {
      ingests.push(await startApp('ingest', { httpPort: await freePort(), env: { ...platform.env, INGEST_RTMP_PORT: String(await freePort()) } }));
    }
    balancer = await startFailoverBalancer(
      ingests.map((i) => Number(i.env['INGEST_RTMP_PORT'])),
      await freePort(),
    );
  });

  afterAll(async () => {
    publishing = false;
    await current?.stop();
    await loop;
    await balancer?.close();
    await Promise.all([...ingests.map((i) => i.stop()), controlPlane?.stop()]);
    await killAllChildren();
    await cleanupNamespace(platform.namespace);
  });

  it('resumes the same stream id on the other node right after the publisher reconnects', async () => {
    const api = adminApi(controlPlane.httpUrl, platform.adminToken);
    const stream = await api<{ id: string; streamKey: string }>('POST', '/streams', { name: 'ingest failover' });
    const starts: number[] = [];
    // The encoder's reconnect loop: same key, same (balanced) address, a short pause between attempts.
    loop = (async () => {
      while (publishing) {
        starts.push(Date.now());
        current = ffmpegPublish({ url: `rtmp://127.0.0.1:${balancer.port}/live/${stream.streamKey}`, width: 320, height: 180, fps: 25, videoBitrateKbps: 300 });
        await current.exited;
        if (publishing) await sleep(300);
      }
    })();
    const first = await waitFor(async () => (await api<StreamView>('GET', `/streams/${stream.id}`)).state ?? undefined, { timeoutMs: 30_000, what: 'stream live' });
    const [nodeA, nodeB] = ingests as [AppProcess, AppProcess];
    const idOf = async (a: AppProcess) => ((await (await fetch(`${a.httpUrl}/healthz`)).json()) as { instanceId: string }).instanceId;
    expect(first.node).toBe(await idOf(nodeA));
    const idB = await idOf(nodeB);

    const killedAt = Date.now();
    await nodeA.kill();
    const moved = await waitFor(
      async () => {
        const view = await api<StreamView>('GET', `/streams/${stream.id}`);
        return view.live && view.state?.node === idB ? view.state : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the stream live on the other ingest node' },
    );
    const resumedMs = Date.now() - killedAt;
    const reconnectedMs = (starts.find((t) => t > killedAt) ?? NaN) - killedAt;
    process.stdout.write(`ingest killed: publisher reconnected after ${reconnectedMs} ms, stream live on the other node ${resumedMs} ms after the kill\n`);
    expect(moved.startedAt).not.toBe(first.startedAt); // a new session of the same stream id
    // Well under the dead node's live-state TTL (15 s here): taken over, not waited out.
    expect(resumedMs).toBeLessThan(10_000);

    const probed = await ffprobe(`${nodeB.httpUrl}/live/${stream.id}.flv`);
    expect(probed.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(balancer.routed.at(-1)).toBe(Number(nodeB.env['INGEST_RTMP_PORT']));
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(nodeB.logFile, 'utf8')).toContain('live state held by a node that is gone; taking it over');
  });
});
