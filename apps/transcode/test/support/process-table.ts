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

/** Every process's command line, as `ps -ww` shows it to any local user (arguments joined by spaces). */
export function allCommandLines(): Array<{ pid: number; args: string }> {
  const out: Array<{ pid: number; args: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      out.push({ pid: Number(entry), args: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      // gone
    }
  }
  return out;
}

/**
 * Processes whose command line or environment (where this user may read it:
 * our own processes, FFmpeg children included) matches `pattern`.
 */
export function processesExposing(pattern: RegExp): Array<{ pid: number; where: 'cmdline' | 'environ'; text: string }> {
  const found: Array<{ pid: number; where: 'cmdline' | 'environ'; text: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    for (const where of ['cmdline', 'environ'] as const) {
      try {
        const text = readFileSync(`/proc/${entry}/${where}`, 'utf8').split('\0').join(' ');
        if (pattern.test(text)) found.push({ pid: Number(entry), where, text: text.slice(0, 300) });
      } catch {
        // gone, or another user's environment
      }
    }
  }
  return found;
}

/**
 * Any playback token or pull ticket of one stream (`v1.<id>.<exp>.<scope>[.<nonce>].<mac>`): a test's stream id is its
 * own, so other tests running on the machine cannot match.
 */
export function tokensOfStream(streamId: string): RegExp {
  return new RegExp(`v1\\.${streamId.replace(/[^A-Za-z0-9_-]/g, '')}\\.\\d+\\.(play|internal)\\.`);
}
