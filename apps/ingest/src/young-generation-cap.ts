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

/** The cap in MB unless INGEST_V8_SEMI_SPACE_MB says otherwise. */
export const DEFAULT_SEMI_SPACE_MB = 4;

/** Largest INGEST_V8_SEMI_SPACE_MB taken. */
export const MAX_SEMI_SPACE_MB = 1024;

const FLAG = '--max-semi-space-size';

/** The V8 flags to start again with; undefined: stay as this process is. */
export function youngGenerationRestartFlags(env: NodeJS.ProcessEnv, execArgv: readonly string[]): string[] | undefined {
  const raw = env['INGEST_V8_SEMI_SPACE_MB'];
  const mb = raw === undefined || raw === '' ? DEFAULT_SEMI_SPACE_MB : Number(raw);
  if (!Number.isInteger(mb) || mb < 0 || mb > MAX_SEMI_SPACE_MB) {
    throw new Error(`INGEST_V8_SEMI_SPACE_MB must be a whole number of MB from 0 (V8's own sizing) to ${MAX_SEMI_SPACE_MB}, not ${JSON.stringify(raw)}`);
  }
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
