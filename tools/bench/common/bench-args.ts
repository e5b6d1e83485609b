import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs with `--help` and errors that name the flag, exiting
 * with status 2 (usage) instead of a stack trace.
 */
export function parseBenchArgs<O extends Options>(
  usage: string,
  options: O,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: process.argv.slice(2), options: { ...options, help: { type: 'boolean' } }, allowPositionals: true, strict: true });
    const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
    if (values['help']) {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    }
    return { values, positionals: parsed.positionals };
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}\n`);
    process.exit(2);
  }
}

/** A positive number option, or exit 2 naming it. */
export function numberArg(values: Record<string, unknown>, name: string, fallback: number, { min = 0, max = Infinity, integer = false } = {}): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    process.stderr.write(`--${name} must be ${integer ? 'an integer' : 'a number'} in ${min}..${max}, got "${String(raw)}"\n`);
    process.exit(2);
  }
  return value;
}

/** A comma-separated list restricted to `allowed`, or exit 2 naming the option and the bad item. */
export function listArg<T extends string>(values: Record<string, unknown>, name: string, allowed: readonly T[], fallback: T[]): T[] {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const items = String(raw)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = items.find((i) => !allowed.includes(i as T));
  if (bad !== undefined || items.length === 0) {
    process.stderr.write(`--${name} takes a comma-separated list of ${allowed.join(', ')}; got "${String(raw)}"\n`);
    process.exit(2);
  }
  return items as T[];
}

/** Exactly one of `allowed` (a list argument that names one), or the fallback. */
export function choiceArg<T extends string>(values: Record<string, unknown>, name: string, allowed: readonly T[], fallback: T): T {
  const items = listArg(values, name, allowed, [fallback]);
  if (items.length !== 1) {
    process.stderr.write(`--${name} takes one of ${allowed.join(', ')}; got "${String(values[name])}"\n`);
    process.exit(2);
  }
  return items[0] as T;
}

/**
 * Repeated `--ingest-env NAME=VALUE` options: extra settings for our ingest
 * (e.g. INGEST_FANOUT_FLUSH_MS=20) to compare configurations; exit 2 on a malformed one.
 */
export function envArg(values: Record<string, unknown>, name: string): Record<string, string> {
  const raw = values[name];
  const items = raw === undefined ? [] : Array.isArray(raw) ? raw.map(String) : [String(raw)];
  const env: Record<string, string> = {};
  for (const item of items) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(item);
    if (!match) {
      process.stderr.write(`--${name} takes NAME=VALUE with an upper-case variable name, got "${item}"\n`);
      process.exit(2);
    }
    env[match[1] as string] = match[2] as string;
  }
  return env;
}
