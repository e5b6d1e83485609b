/**
 * The ingest runs with V8's young generation capped (`--max-semi-space-size`).
 *
 * Every viewer write allocates a little garbage (Node's write request and its
 * callbacks, ~0.4 KB), so the allocation rate grows with the audience, and V8
 * grows the semi-spaces with it: 16 MB each and more once the rate is high,
 * and the pages stay with the process. A fan-out has almost nothing that
 * survives a scavenge (frames live for one GOP), so a small young generation
 * costs no more collection work. Measured with `node tools/bench/run.cjs fanout
 * 50 100 500 --servers ours,nginx --protocols flv --rounds 2`, one run each way
 * in the same session: RSS 162–165 MB with a 4 MB cap against 258 MB without,
 * net CPU per viewer-second ÷ nginx-rtmp 0.84 / 0.65 / 0.55× against
 * 0.86 / 0.71 / 0.64× (tools/bench/README.md, "young generation cap").
 *
 * V8 sizes the heap when the process starts (v8.setFlagsFromString has no
 * effect on it later), so the ingest starts itself again with the flag before
 * anything else runs: the same process (process.execve keeps its pid, stdio
 * and arguments), whoever launched it. A `--max-semi-space-size` already given
 * (on the command line or in NODE_OPTIONS) wins; INGEST_V8_SEMI_SPACE_MB=0
 * keeps V8's own sizing.
 */

import { z } from 'zod';

/** The cap in MB unless INGEST_V8_SEMI_SPACE_MB says otherwise. */
export const DEFAULT_SEMI_SPACE_MB = 4;

/**
 * INGEST_V8_SEMI_SPACE_MB: read here, before the config is (the restart must come first), and listed
 * in the ingest's config schema with this same definition for its docs.
 */
export const semiSpaceMbSetting = z.coerce
  .number()
  .int()
  .min(0)
  .max(1024)
  .default(DEFAULT_SEMI_SPACE_MB)
  .describe(
    "Cap in MB on each of V8's semi-spaces (the young generation), applied by the ingest starting itself again with --max-semi-space-size. Viewer writes make short-lived garbage at a rate that grows with the audience, and V8 would grow the young generation with it (~95 MB more RSS at 50–500 viewers, no CPU saved). 0: V8's own sizing. A --max-semi-space-size in NODE_OPTIONS wins.",
  );

const FLAG = '--max-semi-space-size';

/** The V8 flags to start again with; undefined: stay as this process is. */
export function youngGenerationRestartFlags(env: NodeJS.ProcessEnv, execArgv: readonly string[]): string[] | undefined {
  const raw = env['INGEST_V8_SEMI_SPACE_MB'];
  const parsed = semiSpaceMbSetting.safeParse(raw === '' ? undefined : raw);
  if (!parsed.success) throw new Error(`INGEST_V8_SEMI_SPACE_MB=${JSON.stringify(raw)}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  const mb = parsed.data;
  if (mb === 0) return undefined;
  // Also the guard against starting again twice: the restarted process has the flag.
  const given = [...execArgv, ...(env['NODE_OPTIONS'] ?? '').split(/\s+/)].some((arg) => arg === FLAG || arg.startsWith(`${FLAG}=`));
  return given ? undefined : [`${FLAG}=${mb}`];
}

/** Starts this process again with the cap (see above); returns only when it does not. */
export function startWithYoungGenerationCap(env: NodeJS.ProcessEnv = process.env): void {
  const flags = youngGenerationRestartFlags(env, process.execArgv);
  // Node before 23.11 has no execve: the ingest then runs with V8's own sizing.
  if (!flags || typeof process.execve !== 'function') return;
  process.execve(process.execPath, [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)], env);
}
