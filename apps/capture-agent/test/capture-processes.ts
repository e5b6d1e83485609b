import { readFileSync, readdirSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { waitFor } from '@mediaplane/testing';

/** Test-only helpers for the capture agent's specs (imported by specs only). */

/** Pids of every descendant of `pid` (Linux /proc), with their command lines. */
export function descendants(pid: number): Array<{ pid: number; cmdline: string }> {
  const out: Array<{ pid: number; cmdline: string }> = [];
  const children = (p: number): number[] => {
    const ids: number[] = [];
    for (const task of safeReaddir(`/proc/${p}/task`)) {
      const text = safeRead(`/proc/${p}/task/${task}/children`);
      ids.push(...text.split(/\s+/).filter(Boolean).map(Number));
    }
    return ids;
  };
  const queue = children(pid);
  while (queue.length > 0) {
    const child = queue.shift() as number;
    out.push({ pid: child, cmdline: safeRead(`/proc/${child}/cmdline`).split('\0').join(' ') });
    queue.push(...children(child));
  }
  return out;
}

function safeReaddir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** A display number whose X socket and lock file do not exist. */
export function freeDisplayNumber(from = 90 + Math.floor(Math.random() * 400)): number {
  for (let n = from; n < from + 200; n++) if (!existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`)) return n;
  throw new Error('no free X display number');
}

/** Xvfb on `:n` (a screen of the given size), resolved once its socket exists. */
export async function startXvfb(n: number, size = '640x360x24'): Promise<ChildProcess> {
  const xvfb = spawn('Xvfb', [`:${n}`, '-screen', '0', size, '-nolisten', 'tcp'], { stdio: 'ignore' });
  await waitFor(() => existsSync(`/tmp/.X11-unix/X${n}`), { timeoutMs: 10_000, what: `Xvfb :${n}` });
  return xvfb;
}

export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** A private PulseAudio server with one source playing a 440 Hz tone: what a desktop with sound looks like to the agent. */
export interface TestPulseAudio {
  /** For PULSE_SERVER. */
  server: string;
  /** The tone source's name, for CAPTURE_AGENT_PULSE_SOURCE. */
  source: string;
  child: ChildProcess;
}

/** Starts PulseAudio in `dir` (its own socket, anonymous auth, no D-Bus or autospawn), resolved once the socket exists. */
export async function startPulseAudio(dir: string): Promise<TestPulseAudio> {
  const socket = `${dir}/pulse-native`;
  const source = 'mediaplane_test_tone';
  const child = spawn(
    'pulseaudio',
    [
      '--daemonize=no',
      '-n', // no default.pa: only the two modules below
      '--exit-idle-time=-1',
      '--use-pid-file=no',
      '--disallow-exit',
      '--log-target=stderr',
      `--load=module-native-protocol-unix socket=${socket} auth-anonymous=1`,
      `--load=module-sine-source source_name=${source} frequency=440`,
    ],
    // Its own runtime and state directories, so it never meets a user's server.
    { stdio: 'ignore', env: { ...process.env, XDG_RUNTIME_DIR: dir, HOME: dir, PULSE_RUNTIME_PATH: dir } },
  );
  await waitFor(() => existsSync(socket), { timeoutMs: 10_000, what: 'PulseAudio socket' });
  return { server: `unix:${socket}`, source, child };
}
