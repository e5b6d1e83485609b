import { readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir } from './bench-paths';
import { say } from './progress';

/**
 * Servers a bench starts run in their own process group and are stopped at
 * the end, on errors and on Ctrl-C. Only a SIGKILL of the bench itself can
 * leave one behind, so each is recorded in tmp/bench/pids/<bench pid>-<name>.pid
 * and the next bench run ends the ones whose bench is gone, after checking
 * the pid still runs the same command (pids get reused).
 */
export function rememberPid(name: string, pid: number, commandMarker: string): void {
  writeFileSync(pidFile(name), `${pid}\n${commandMarker}\n`);
}

export function forgetPid(name: string): void {
  try {
    unlinkSync(pidFile(name));
  } catch {
    // never written or already gone
  }
}

export function reapStaleBenchProcesses(): void {
  const dir = benchDir('pids');
  for (const file of readdirSync(dir)) {
    const owner = Number(/^(\d+)-/.exec(file)?.[1]);
    if (!owner || isAlive(owner)) continue;
    const [pidText, marker = ''] = readFileSync(join(dir, file), 'utf8').split('\n');
    const pid = Number(pidText);
    if (pid > 1 && marker && readCmdline(pid).includes(marker)) {
      say(`ending ${marker} (pid ${pid}) left behind by an earlier bench run`);
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    unlinkSync(join(dir, file));
  }
}

function pidFile(name: string): string {
  return join(benchDir('pids'), `${process.pid}-${name}.pid`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}
