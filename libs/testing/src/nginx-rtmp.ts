import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { spawnTracked, stopProcess } from './child-processes';
import { freePort } from './ports';
import { waitFor } from './wait-for';

export const NGINX_RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

export interface NginxRtmpConfigOptions {
  prefix: string;
  port: number;
  workerConnections: number;
}

/**
 * nginx.conf for a reference RTMP server: Debian's nginx-light with
 * libnginx-mod-rtmp, one worker, in the foreground under its own prefix,
 * loopback only. `wait_key on` / `wait_video on` make a joining player start
 * at a keyframe (the usual production setting; nginx-rtmp has no GOP cache,
 * so it waits for the next one).
 */
export function renderNginxRtmpConfig(o: NginxRtmpConfigOptions): string {
  return [
    `load_module ${NGINX_RTMP_MODULE};`,
    'daemon off;',
    'master_process on;',
    'worker_processes 1;',
    `pid ${join(o.prefix, 'nginx.pid')};`,
    `error_log ${join(o.prefix, 'error.log')} warn;`,
    `worker_rlimit_nofile ${o.workerConnections * 2};`,
    `events { worker_connections ${o.workerConnections}; }`,
    'rtmp {',
    '  server {',
    `    listen 127.0.0.1:${o.port};`,
    '    chunk_size 4096;',
    '    application live {',
    '      live on;',
    '      record off;',
    '      wait_key on;',
    '      wait_video on;',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

export interface NginxRtmpServer {
  readonly port: number;
  /** Process group (the master's pid). */
  readonly pgid: number;
  /** `rtmp://127.0.0.1:<port>/live/<name>`. */
  url(name: string): string;
  stop(): Promise<void>;
}

/**
 * Starts nginx-rtmp as its own process group under `prefix` (a folder of
 * the caller's) on `port` (a free loopback port when omitted; pass the old
 * one to restart a receiver where its clients expect it) and waits until it
 * accepts connections.
 */
export async function startNginxRtmp(options: { prefix: string; port?: number; workerConnections?: number }): Promise<NginxRtmpServer> {
  if (!existsSync(NGINX_RTMP_MODULE)) throw new Error(`${NGINX_RTMP_MODULE} is missing: apt-get install -y nginx-light libnginx-mod-rtmp`);
  const { prefix } = options;
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  const port = options.port ?? (await freePort());
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(conf, renderNginxRtmpConfig({ prefix, port, workerConnections: options.workerConnections ?? 4096 }));
  // -e: the error log nginx opens before it has read the config (else /var/log/nginx).
  const child = spawnTracked('nginx', ['-p', prefix, '-c', conf, '-e', join(prefix, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`nginx exited: ${stderr || readTail(join(prefix, 'error.log'))}`);
        return canConnect(port);
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'nginx-rtmp listening' },
    );
  } catch (error) {
    await stopProcess(child, 2000);
    throw error;
  }
  return {
    port,
    pgid: child.pid as number,
    url: (name) => `rtmp://127.0.0.1:${port}/live/${name}`,
    // SIGQUIT would wait for players; callers are done with them.
    stop: async () => void (await stopProcess(child, 5000, 'SIGTERM')),
  };
}

function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-2000);
  } catch {
    return '';
  }
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
