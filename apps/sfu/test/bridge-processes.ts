import { readFileSync, readdirSync } from 'node:fs';

/** The bridge FFmpeg processes the SFU spawned (its direct children sending RTP), by pid. */
export function bridgeFfmpegsOf(sfuPid: number): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const parent = /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (Number(parent) === sfuPid && args.includes('-payload_type')) found.push(Number(pid));
    } catch {
      // exited while we looked
    }
  }
  return found;
}
