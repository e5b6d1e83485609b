import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { WORKSPACE } from './bench-paths';

export interface BuildIdentity {
  /** `git rev-parse --short HEAD`, and how many paths differ from it (others work in the same tree). */
  commit: string;
  uncommittedPaths: number;
  /** sha256 (12 hex) over the compiled ingest and the libs it streams with, as loaded by the bench. */
  ingestDistHash: string;
  /** Newest modification time among those files: when they were last compiled. */
  ingestCompiledAt: string;
}

const INGEST_DIST_DIRS = ['dist/apps/ingest/src', 'dist/libs/media-io/src', 'dist/libs/codecs/src'];

/**
 * Which code a run measured. The tree changes under a bench (several people
 * compile into dist/ all day), so figures are comparable only between runs
 * with the same ingestDistHash.
 */
export function buildIdentity(): BuildIdentity {
  const git = (args: string[]): string => spawnSync('git', args, { cwd: WORKSPACE, encoding: 'utf8' }).stdout?.trim() ?? '';
  const files: string[] = [];
  for (const dir of INGEST_DIST_DIRS) collect(join(WORKSPACE, dir), files);
  files.sort();
  const hash = createHash('sha256');
  let newest = 0;
  for (const file of files) {
    hash.update(relative(WORKSPACE, file));
    hash.update(readFileSync(file));
    newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return {
    commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    uncommittedPaths: git(['status', '--porcelain']).split('\n').filter(Boolean).length,
    ingestDistHash: files.length ? hash.digest('hex').slice(0, 12) : 'missing',
    ingestCompiledAt: newest ? new Date(newest).toISOString() : 'missing',
  };
}

function collect(dir: string, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) collect(path, out);
    else if (e.name.endsWith('.js')) out.push(path);
  }
}
