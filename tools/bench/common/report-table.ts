import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir } from './bench-paths';

/** Plain-text table with right-aligned columns (numbers line up), left-aligned first column. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Fixed decimals, or '-' for a missing / non-finite value. */
export function fmt(value: number | undefined, decimals = 1): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(decimals);
}

/** A ratio as "0.63×", small ones with two significant digits ("0.0028×") so they do not print as 0. */
export function fmtRatio(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return `${value >= 0.1 ? value.toFixed(2) : value.toPrecision(2)}×`;
}

/**
 * Writes a result as JSON to tmp/bench/<name>-<time>.json and
 * tmp/bench/<name>-latest.json (or to `path` when given); returns the file.
 */
export function writeResult(name: string, result: unknown, path?: string): string {
  const text = `${JSON.stringify(result, null, 2)}\n`;
  if (path) {
    writeFileSync(path, text);
    return path;
  }
  const dir = benchDir();
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, text);
  writeFileSync(join(dir, `${name}-latest.json`), text);
  return file;
}
