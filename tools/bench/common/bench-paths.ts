import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The workspace root. The bench runs compiled from dist/tools-bench/tools/bench/<dir>/,
 * and from source under jest (tools/bench/<dir>/); both have package.json five or three levels up.
 */
export const WORKSPACE = ((): string => {
  for (const up of [
    ['..', '..', '..', '..', '..'],
    ['..', '..', '..'],
  ]) {
    const candidate = resolve(__dirname, ...up);
    if (existsSync(join(candidate, 'package.json')) && existsSync(join(candidate, 'tools', 'runtime', 'register-paths.cjs'))) return candidate;
  }
  return process.cwd();
})();

/** tmp/bench/<parts>, created on demand. Everything the benches write lives here. */
export function benchDir(...parts: string[]): string {
  const dir = join(WORKSPACE, 'tmp', 'bench', ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}
