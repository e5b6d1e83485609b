import { readFileSync, readdirSync } from 'node:fs';

/**
 * Pids of FFmpeg processes whose arguments mention `path` (e.g. a worker's
 * work folder): after a test, there must be none — no orphaned encoder, no
 * zombie. Zombies count too: their cmdline is empty, so their state is read.
 */
export function ffmpegProcessesUsing(path: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const isFfmpeg = args.some((a) => /(^|\/)ffmpeg$/.test(a));
      if (isFfmpeg && args.some((a) => a.includes(path))) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Zombie (exited, unreaped) processes whose parent is `parentPid`. */
export function zombieChildrenOf(parentPid: number): number[] {
  const zombies: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' && Number(fields[1]) === parentPid) zombies.push(Number(entry));
    } catch {
      // gone
    }
  }
  return zombies;
}
