/**
 * Two V8 heap settings the ingest may run with (by default only the first), which
 * V8 only reads when the process starts (v8.setFlagsFromString has no effect
 * on the heap later), so the ingest starts itself again with those asked for
 * before anything else runs: the same process (process.execve keeps its
 * pid, stdio and arguments), whoever launched it.
 *
 * `--max-semi-space-size` and `--min-semi-space-size` (INGEST_V8_SEMI_SPACE_MB,
 * default 4, one size for both): every viewer write allocates a little garbage
 * (Node's write request and its callbacks, ~0.4 KB), so the allocation rate
 * grows with the audience, and V8 grows the semi-spaces with it: 16 MB each and
 * more once the rate is high, and the pages stay with the process. A fan-out
 * has almost nothing that survives a scavenge (frames live for one GOP), so a
 * small young generation costs no more collection work. Measured with `node
 * tools/bench/run.cjs fanout 50 100 500 --servers ours,nginx --protocols flv
 * --rounds 2`, one run each way in the same session: RSS 162–165 MB with a 4 MB
 * cap against 258 MB without, net CPU per viewer-second ÷ nginx-rtmp 0.84 /
 * 0.65 / 0.55× against 0.86 / 0.71 / 0.64× (tools/bench/README.md, "young
 * generation cap"). The size is fixed, not only capped: under the cap V8 still
 * started at 1 MB and grew to 4 once the audience was in the hundreds, a 6 MB
 * step (two semi-spaces) that the marginal memory per viewer carried (~14 KB of
 * it between 50 and 500 viewers; 28.6 KB mean slope capped, 16.2 fixed). The
 * price is at small audiences: with a 4 MB young generation from the start,
 * the old generation's headroom is below it sooner, and V8's background
 * marking runs more often (+0.4 % of a core with the publisher alone; the
 * ingest's total CPU with 50 viewers unchanged within the noise;
 * tools/bench/README.md, "the young generation fixed").
 *
 * `--heap-growing-percent` (INGEST_V8_HEAP_GROWING_PERCENT, default 0: V8's
 * own): after a full collection V8 sets the old generation's limit a little
 * above what survived (~1.15× here), and it starts the next full collection
 * early, as soon as the space left under that limit is smaller than the young
 * generation. Once a stream has viewers the young generation grows to its cap,
 * so the ingest runs a full collection every 15–20 s that finds ~1 MB of
 * garbage in a 55 MB heap (tools/bench/README.md, "what the fixed part is").
 * A wider margin (50) trimmed that CPU in one session's A/B (−4 % at 50
 * viewers, −9 % at 100) and showed no gain in the next, while the garbage it
 * lets float grows with the audience: RSS slope 28–30 KB per viewer against
 * 2–11 KB without, over the 16 KB the ingest is held to (tools/bench/README.md,
 * "the heap margin's memory cost"). So it is off unless an operator trades
 * that memory for it.
 *
 * A flag already given (on the command line or in NODE_OPTIONS) wins; a
 * setting of 0 keeps V8's own behaviour.
 */

import { z } from 'zod';

/** The young generation's semi-space size in MB unless INGEST_V8_SEMI_SPACE_MB says otherwise. */
export const DEFAULT_SEMI_SPACE_MB = 4;
/** The old generation's growing percent unless INGEST_V8_HEAP_GROWING_PERCENT says otherwise: 0, V8's own. */
export const DEFAULT_HEAP_GROWING_PERCENT = 0;

/*
 * Both settings are read here, before the config is (the restart must come first), and listed in the ingest's
 * config schema with these same definitions for its docs.
 */
export const semiSpaceMbSetting = z.coerce
  .number()
  .int()
  .min(0)
  .max(1024)
  .default(DEFAULT_SEMI_SPACE_MB)
  .describe(
    "Size in MB of each of V8's semi-spaces (the young generation), fixed: applied by the ingest starting itself again with --min-semi-space-size and --max-semi-space-size. Viewer writes make short-lived garbage at a rate that grows with the audience, and V8 would grow the young generation with it (~95 MB more RSS at 50–500 viewers, no CPU saved; under a cap alone, a step that the memory per viewer carries). 0: V8's own sizing. Either flag given to node (--max-semi-space-size also in NODE_OPTIONS, which refuses the other) wins.",
  );

export const heapGrowingPercentSetting = z.coerce
  .number()
  .int()
  .min(0)
  .max(400)
  .default(DEFAULT_HEAP_GROWING_PERCENT)
  .describe(
    "How far above the live heap V8 sets the old generation's limit after a full collection, in percent, applied by the ingest starting itself again with --heap-growing-percent. With V8's own small margin a stream with viewers costs a full collection every 15–20 s; 50 trimmed that CPU in one A/B and not in the next, and raised the RSS slope from 2–11 to 28–30 KB per viewer. 0: V8's own growing.",
  );

interface HeapSetting {
  /** The V8 flags the setting's value goes to; any of them already given leaves the setting unapplied. */
  flags: readonly string[];
  setting: string;
  schema: z.ZodType<number>;
}

const HEAP_SETTINGS: readonly HeapSetting[] = [
  { flags: ['--max-semi-space-size', '--min-semi-space-size'], setting: 'INGEST_V8_SEMI_SPACE_MB', schema: semiSpaceMbSetting },
  { flags: ['--heap-growing-percent'], setting: 'INGEST_V8_HEAP_GROWING_PERCENT', schema: heapGrowingPercentSetting },
];

/** The V8 flags to start again with; undefined: stay as this process is. */
export function v8HeapRestartFlags(env: NodeJS.ProcessEnv, execArgv: readonly string[]): string[] | undefined {
  const given = [...execArgv, ...(env['NODE_OPTIONS'] ?? '').split(/\s+/)];
  const flags: string[] = [];
  for (const { flags: settingFlags, setting, schema } of HEAP_SETTINGS) {
    const raw = env[setting];
    const parsed = schema.safeParse(raw === '' ? undefined : raw);
    if (!parsed.success) throw new Error(`${setting}=${JSON.stringify(raw)}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    // Also the guard against starting again twice: the restarted process has the flags.
    const alreadyGiven = given.some((arg) => settingFlags.some((flag) => arg === flag || arg.startsWith(`${flag}=`)));
    if (parsed.data > 0 && !alreadyGiven) flags.push(...settingFlags.map((flag) => `${flag}=${parsed.data}`));
  }
  return flags.length > 0 ? flags : undefined;
}

/** Starts this process again with the flags (see above); returns only when it does not. */
export function startWithV8HeapFlags(env: NodeJS.ProcessEnv = process.env): void {
  const flags = v8HeapRestartFlags(env, process.execArgv);
  // Node before 23.11 has no execve: the ingest then runs with V8's own sizing.
  if (!flags || typeof process.execve !== 'function') return;
  process.execve(process.execPath, [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)], env);
}
