import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { freePort } from './ports';
import { signalGroup, spawnTracked, stopProcess } from './child-processes';
import { waitFor } from './wait-for';

/**
 * A NATS or Redis server of one test, on its own port (and, for NATS, its own
 * JetStream store), so a fault test can kill and restart it without touching
 * the shared servers other tests use. Restarts reuse the port and the store.
 */
export interface PrivateServer {
  readonly port: number;
  readonly url: string;
  /** SIGKILL: no goodbye to the clients, as a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port (and store) and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops it for good and removes its files. */
  close(): Promise<void>;
}

/** nats-server with JetStream on its own port and store directory. */
export async function startPrivateNats(): Promise<PrivateServer> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'mp-nats-'));
  return privateServer({
    port,
    url: `nats://127.0.0.1:${port}`,
    command: 'nats-server',
    args: ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir, '--http_port', '0'],
    files: storeDir,
  });
}

/** redis-server without persistence on its own port: a restart comes back empty, as a lost cache node. */
export async function startPrivateRedis(): Promise<PrivateServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mp-redis-'));
  return privateServer({
    port,
    url: `redis://127.0.0.1:${port}`,
    command: 'redis-server',
    args: ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir],
    files: dir,
  });
}

async function privateServer(spec: { port: number; url: string; command: string; args: string[]; files: string }): Promise<PrivateServer> {
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const started = spawnTracked(spec.command, spec.args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    started.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child = started;
    await waitFor(
      async () => {
        if (started.exitCode !== null) throw new Error(`${spec.command} exited: ${stderr}`);
        return accepts(spec.port);
      },
      { timeoutMs: 15_000, intervalMs: 50, what: `${spec.command} on ${spec.port}` },
    );
  };
  await start();
  return {
    port: spec.port,
    url: spec.url,
    start,
    kill: async () => {
      const current = child;
      if (!current || current.exitCode !== null || current.signalCode !== null) return;
      const exited = new Promise((resolve) => current.once('exit', resolve));
      signalGroup(current, 'SIGKILL');
      await exited;
    },
    close: async () => {
      if (child) await stopProcess(child, 3000);
      rmSync(spec.files, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
