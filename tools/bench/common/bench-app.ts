import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawnTracked, stopProcess, waitFor } from '@mediaplane/testing';
import { WORKSPACE, benchDir } from './bench-paths';
import { processGroupUsage, type Usage } from './proc-stats';

export interface BenchApp {
  child: ChildProcess;
  httpUrl: string;
  logFile: string;
  /** CPU and RSS of the app's process group: the app and whatever it spawned (mediasoup's workers). */
  usage(): Usage;
  stop(): Promise<unknown>;
}

const HTTP_PORT_VARIABLE: Record<string, string> = {
  'control-plane': 'CONTROL_PLANE_HTTP_PORT',
  ingest: 'INGEST_HTTP_PORT',
  transcode: 'TRANSCODE_HTTP_PORT',
  edge: 'EDGE_HTTP_PORT',
  sfu: 'SFU_HTTP_PORT',
  'capture-agent': 'CAPTURE_AGENT_HTTP_PORT',
};

/**
 * Starts a compiled app (dist/apps/<app>) as `npm run up` would, in its own
 * process group, logging to tmp/bench/logs, and waits for /readyz. (The
 * testing library's startApp cannot serve here: compiled into
 * dist/tools-bench it would look for the apps under that folder.)
 */
export async function startBenchApp(app: string, httpPort: number, env: Record<string, string>): Promise<BenchApp> {
  const logFile = join(benchDir('logs'), `${app}-${env['MEDIAPLANE_NAMESPACE'] ?? 'x'}${env['SFU_ENGINE'] ? `-${env['SFU_ENGINE']}` : ''}.log`);
  const log = createWriteStream(logFile);
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MEDIAPLANE_')));
  const child = spawnTracked(
    process.execPath,
    ['--require', join(WORKSPACE, 'tools', 'runtime', 'register-paths.cjs'), join(WORKSPACE, 'dist', 'apps', app, 'src', 'main.js')],
    {
      cwd: WORKSPACE,
      env: {
        ...base,
        MEDIAPLANE_HTTP_HOST: '127.0.0.1',
        MEDIAPLANE_DIST_ROOT: join(WORKSPACE, 'dist'),
        [HTTP_PORT_VARIABLE[app] ?? 'HTTP_PORT']: String(httpPort),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  child.once('exit', () => log.end());
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${app} exited during start; see ${logFile}`);
      return (await fetch(`${httpUrl}/readyz`).catch(() => undefined))?.status === 200;
    },
    { timeoutMs: 60_000, what: `${app} /readyz (log: ${logFile})` },
  );
  // spawnTracked starts the app as a group leader, so its pid is the group id.
  return { child, httpUrl, logFile, usage: () => processGroupUsage(child.pid as number), stop: () => stopProcess(child, 15_000) };
}
