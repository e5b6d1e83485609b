import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The fields of /proc/<pid>/stat the benches use (proc(5)). */
export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  pgrp: number;
  /** User and system CPU time in clock ticks (CLK_TCK), this process only (not waited-for children). */
  utimeTicks: number;
  stimeTicks: number;
  /** Resident set size in pages. */
  rssPages: number;
}

/**
 * Parses one /proc/<pid>/stat line. The command name is in parentheses and may
 * itself contain spaces and ')', so fields are counted from the last ')'.
 */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); field n is rest[n - 3].
  const field = (n: number): number => {
    const value = Number(rest[n - 3]);
    if (!Number.isFinite(value)) throw new Error(`/proc stat field ${n} is not a number`);
    return value;
  };
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    ppid: field(4),
    pgrp: field(5),
    utimeTicks: field(14),
    stimeTicks: field(15),
    rssPages: field(24),
  };
}

let cachedConstants: { ticksPerSecond: number; pageBytes: number } | undefined;

/** CLK_TCK and the page size of this kernel (getconf), cached. */
export function procConstants(): { ticksPerSecond: number; pageBytes: number } {
  if (!cachedConstants) {
    const getconf = (name: string, fallback: number): number => {
      try {
        const value = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
        return Number.isFinite(value) && value > 0 ? value : fallback;
      } catch {
        return fallback;
      }
    };
    cachedConstants = { ticksPerSecond: getconf('CLK_TCK', 100), pageBytes: getconf('PAGESIZE', 4096) };
  }
  return cachedConstants;
}

export interface Usage {
  /** utime + stime of every process counted, in seconds. */
  cpuSeconds: number;
  rssBytes: number;
  pids: number[];
  /**
   * Write-type system calls made so far (write, writev and the like; not send
   * or sendmsg), summed over the processes: `syscw` of /proc/<pid>/io
   * (process groups only; undefined when none could be read).
   */
  writeSyscalls?: number;
  /** CPU seconds by thread group, summed over the processes (process groups only). */
  threadCpuSeconds?: ThreadCpu;
}

/**
 * Where a Node server's CPU goes: its main thread (JavaScript, and the system calls it makes), V8's platform
 * threads (concurrent marking and sweeping, background compilation: Node names them V8Worker and
 * DelayedTaskScheduler), and the rest (libuv's pool, native add-ons' own threads). A process written in C
 * has only its main threads.
 */
export const THREAD_GROUPS = ['main', 'v8', 'other'] as const;

export type ThreadGroup = (typeof THREAD_GROUPS)[number];

export type ThreadCpu = Record<ThreadGroup, number>;

/** A ThreadCpu with `value(group)` for each group. */
export function threadCpuOf(value: (group: ThreadGroup) => number): ThreadCpu {
  return { main: value('main'), v8: value('v8'), other: value('other') };
}

/** The group of thread `tid` (named `comm`) of process `pid`. */
export function threadGroupOf(pid: number, tid: number, comm: string): ThreadGroup {
  if (tid === pid) return 'main';
  return comm.startsWith('V8Worker') || comm.startsWith('DelayedTaskSch') ? 'v8' : 'other';
}

/** CPU seconds of every live thread of `pid`, by group (a thread that ended is in the process's total only). */
function addThreadCpu(pid: number, into: ThreadCpu): void {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return; // exited
  }
  const { ticksPerSecond } = procConstants();
  for (const tid of tids) {
    // A task's stat file has the stat line's layout, with the thread's id and name.
    const stat = readStat(`${pid}/task/${tid}`);
    if (stat) into[threadGroupOf(pid, stat.pid, stat.comm)] += (stat.utimeTicks + stat.stimeTicks) / ticksPerSecond;
  }
}

/** `syscw` of a /proc/<pid>/io text. */
export function parseWriteSyscalls(text: string): number | undefined {
  const match = /^syscw:\s*(\d+)$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

function readWriteSyscalls(pid: number): number | undefined {
  try {
    return parseWriteSyscalls(readFileSync(`/proc/${pid}/io`, 'utf8'));
  } catch {
    return undefined; // exited, or not ours to read
  }
}

/** `/proc/<path>/stat`, where path is a pid or `<pid>/task/<tid>`. */
function readStat(path: number | string): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${path}/stat`, 'utf8'));
  } catch {
    return undefined; // exited between readdir and read
  }
}

function sum(stats: ProcStat[]): Usage {
  const { ticksPerSecond, pageBytes } = procConstants();
  let ticks = 0;
  let pages = 0;
  for (const s of stats) {
    ticks += s.utimeTicks + s.stimeTicks;
    pages += s.rssPages;
  }
  return { cpuSeconds: ticks / ticksPerSecond, rssBytes: pages * pageBytes, pids: stats.map((s) => s.pid) };
}

/** One process. */
export function processUsage(pid: number): Usage {
  const stat = readStat(pid);
  return sum(stat ? [stat] : []);
}

/**
 * Every live process of a process group: nginx's master and workers, or an
 * app and the FFmpeg it may have started (children are spawned in their own
 * group by the benches, so the group is exactly "that server").
 */
export function processGroupUsage(pgid: number): Usage {
  const stats: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat && stat.pgrp === pgid) stats.push(stat);
  }
  const threadCpuSeconds = threadCpuOf(() => 0);
  for (const s of stats) addThreadCpu(s.pid, threadCpuSeconds);
  const usage = { ...sum(stats), threadCpuSeconds };
  // A process that exited since its stat was read counts no more, as in the CPU sum.
  const writes = stats.map((s) => readWriteSyscalls(s.pid)).filter((w) => w !== undefined);
  return writes.length > 0 ? { ...usage, writeSyscalls: writes.reduce((a, b) => a + b, 0) } : usage;
}

/** The live children of `parentPid` named `comm` (an app's FFmpeg processes, say). */
export function childrenUsage(parentPid: number, comm: string): Usage {
  const stats: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat && stat.ppid === parentPid && stat.comm === comm) stats.push(stat);
  }
  return sum(stats);
}

/**
 * CPU time all processes of the machine spent (user, nice, system, irq,
 * softirq, steal from the first line of /proc/stat), to show how much of a
 * window went to processes outside the bench (other people's builds, tests).
 */
export function machineUsage(): Usage {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  return { cpuSeconds: parseMachineBusyTicks(line) / procConstants().ticksPerSecond, rssBytes: 0, pids: [] };
}

/** Busy ticks of a `cpu  user nice system idle iowait irq softirq steal …` line. */
export function parseMachineBusyTicks(line: string): number {
  const fields = line.trim().split(/\s+/);
  if (fields[0] !== 'cpu') throw new Error(`not the aggregate cpu line of /proc/stat: ${line.slice(0, 40)}`);
  const n = fields.slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = n;
  return user + nice + system + irq + softirq + steal;
}
