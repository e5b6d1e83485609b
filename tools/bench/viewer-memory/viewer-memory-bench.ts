import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '@mediaplane/testing';
import { benchDir } from '../common/bench-paths';
import { listArg, numberArg, envArg, parseBenchArgs } from '../common/bench-args';
import { runBench } from '../common/bench-lifecycle';
import { publishAndWaitPlayable } from '../common/bench-publishing';
import { startBenchServer, swarmConfig, type PlayProtocol } from '../common/bench-servers';
import { DEFAULT_SOURCE, ensureBenchSource } from '../common/bench-source';
import { loadFlvSource } from '../common/flv-source';
import { say } from '../common/progress';
import { fmt, formatTable } from '../common/report-table';
import { ViewerSwarm } from '../common/viewer-swarm-process';
import { isViewerIndependent, perViewerHeap, type HeapKinds } from './heap-diff';

const USAGE = `usage: node tools/bench/run.cjs viewer-memory [viewers] [options]

  What one viewer holds in our ingest, by kind of object: a heap snapshot
  (after a full collection) with the publisher only, then with N viewers of
  each protocol, and the difference divided by N. Where issue 13's marginal
  memory per viewer goes. RSS is not compared: taking a snapshot grows it.
  The snapshots are kept in tmp/bench/viewer-memory-*.heapsnapshot (DevTools'
  Memory tab loads them; its Comparison view shows what each viewer retains).

  viewers            viewers per protocol (default 300)
  --protocols LIST   flv,wsflv,rtmp (default all three)
  --top K            kinds listed per protocol (default 20)
  --settle S         wait after the viewers joined, before the snapshot (default 5)
  --ingest-env K=V   extra setting for our ingest, repeatable
  --no-build         (run.cjs) do not recompile the apps`;

function settings() {
  const { values, positionals } = parseBenchArgs(USAGE, {
    protocols: { type: 'string' },
    top: { type: 'string' },
    settle: { type: 'string' },
    'ingest-env': { type: 'string', multiple: true },
  });
  const viewers = positionals.length > 0 ? Number(positionals[0]) : 300;
  if (!Number.isInteger(viewers) || viewers < 1 || viewers > 5000) {
    process.stderr.write(`the viewer count must be an integer in 1..5000, got "${positionals.join(' ')}"\n\n${USAGE}\n`);
    process.exit(2);
  }
  return {
    viewers,
    protocols: listArg(values, 'protocols', ['flv', 'wsflv', 'rtmp'] as const, ['flv', 'wsflv', 'rtmp']) as PlayProtocol[],
    top: numberArg(values, 'top', 20, { min: 1, max: 500, integer: true }),
    settleSeconds: numberArg(values, 'settle', 5, { min: 0, max: 120 }),
    ingestEnv: envArg(values, 'ingest-env'),
  };
}

runBench(async ({ defer }) => {
  const s = settings();
  const source = loadFlvSource(await ensureBenchSource(DEFAULT_SOURCE));
  const server = await startBenchServer('ours', { ingestEnv: s.ingestEnv, inspect: true });
  defer('stop ours', () => server.stop());
  const publisher = await publishAndWaitPlayable(server, source);
  defer('stop the publisher', () => publisher.stop());
  const inspector = await (server.inspector as NonNullable<typeof server.inspector>)();
  // A freshly started Node server spends its first seconds compiling and sizing its heap.
  await sleep(10_000);
  const snapshot = async (name: string): Promise<{ kinds: HeapKinds; usage: NodeJS.MemoryUsage }> => {
    const usage = await inspector.memoryUsageAfterGc();
    const raw = await inspector.heapSnapshot();
    writeFileSync(join(benchDir(), `viewer-memory-${name}.heapsnapshot`), raw);
    return { kinds: await inspector.heapByKind(raw), usage };
  };
  const openViewers = (protocol: PlayProtocol) => ViewerSwarm.start(swarmConfig(server, protocol, { count: s.viewers, fps: source.fps, concurrency: 25 }));
  for (const protocol of s.protocols) {
    // Once through first, so that the code serving this protocol is compiled before the baseline.
    say(`warming up: ${s.viewers} ${protocol} viewers come and go…`);
    await (await openViewers(protocol)).swarm.stop();
    await sleep(3000);
    const before = await snapshot(`${protocol}-before`);
    say(`opening ${s.viewers} ${protocol} viewers…`);
    const { swarm, joined } = await openViewers(protocol);
    try {
      if (joined.failed > 0) throw new Error(`${joined.failed} of ${s.viewers} ${protocol} viewers did not start (${joined.firstError ?? 'no error given'})`);
      await sleep(s.settleSeconds * 1000);
      const after = await snapshot(`${protocol}-${s.viewers}`);
      const rows = perViewerHeap(before.kinds, after.kinds, s.viewers);
      const sum = (list: typeof rows): number => list.reduce((total, r) => total + r.bytesPerViewer, 0);
      const viewers = rows.filter((r) => !isViewerIndependent(r.kind));
      const perViewer = (key: keyof NodeJS.MemoryUsage): string => fmt((after.usage[key] - before.usage[key]) / s.viewers / 1024, 2);
      process.stdout.write(
        `\n${protocol}, ${joined.joined} viewers: after a full collection, per viewer: heap used ${perViewer('heapUsed')} KB (V8's pages ${perViewer('heapTotal')} KB), external ${perViewer('external')} KB; ` +
          `in the snapshot ${fmt(sum(viewers) / 1024, 2)} KB held by each viewer (+ ${fmt((sum(rows) - sum(viewers)) / 1024, 2)} KB of compiled code and buffer bytes, not the viewers')\n` +
          `${formatTable(
            ['kind', 'objects/viewer', 'bytes/viewer'],
            rows.slice(0, s.top).map((r) => [r.kind, fmt(r.countPerViewer, 2), fmt(r.bytesPerViewer, 0)]),
          )}\n`,
      );
    } finally {
      await swarm.stop();
    }
    // Let the server close the viewers before the next protocol's baseline.
    await sleep(3000);
  }
});
