import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { WORKSPACE_ROOT, distMain, testLogDir } from './workspace';
import { signalGroup, spawnTracked, stopProcess } from './child-processes';
import { waitFor } from './wait-for';
import { freeUdpPort } from './ports';

export interface AppProcess {
  app: string;
  process: ChildProcess;
  httpUrl: string;
  logFile: string;
  env: Record<string, string>;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL: no drain, no goodbye (tests expiry). */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

const HTTP_PORT_VARIABLE: Record<string, string> = {
  'control-plane': 'CONTROL_PLANE_HTTP_PORT',
  ingest: 'INGEST_HTTP_PORT',
  edge: 'EDGE_HTTP_PORT',
  sfu: 'SFU_HTTP_PORT',
  transcode: 'TRANSCODE_HTTP_PORT',
  'capture-agent': 'CAPTURE_AGENT_HTTP_PORT',
};

/**
 * Starts a compiled app as a real process (as `npm run up` does), logging to
 * tmp/test-logs, and waits for /readyz unless `waitReady` is false.
 */
export async function startApp(
  app: string,
  options: { httpPort: number; env?: Record<string, string>; waitReady?: boolean; readyTimeoutMs?: number },
): Promise<AppProcess> {
  const env: Record<string, string> = {
    // Ingest's SRT listener binds a UDP port of its own: never the fixed default, which parallel tests would share.
    ...(app === 'ingest' && !options.env?.['INGEST_SRT_PORT'] ? { INGEST_SRT_PORT: String(await freeUdpPort()) } : {}),
    MEDIAPLANE_LOG_LEVEL: 'info',
    MEDIAPLANE_HTTP_HOST: '127.0.0.1',
    [HTTP_PORT_VARIABLE[app] ?? 'HTTP_PORT']: String(options.httpPort),
    ...options.env,
  };
  const logFile = join(testLogDir(), `${app}-${env['MEDIAPLANE_NAMESPACE'] ?? 'default'}-${Date.now()}.log`);
  const log = createWriteStream(logFile);
  const child = spawnTracked(process.execPath, ['--require', join(WORKSPACE_ROOT, 'tools/runtime/register-paths.cjs'), distMain(app)], {
    cwd: WORKSPACE_ROOT,
    env: { ...pickBaseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  exited.then(
    () => log.end(),
    () => log.end(),
  );
  const httpUrl = `http://127.0.0.1:${options.httpPort}`;
  const handle: AppProcess = {
    app,
    process: child,
    httpUrl,
    logFile,
    env,
    exited,
    stop: (graceMs = 15000) => stopProcess(child, graceMs),
    kill: async () => {
      signalGroup(child, 'SIGKILL');
      await exited;
    },
  };
  if (options.waitReady !== false) {
    let exitedEarly = false;
    void exited.then(() => (exitedEarly = true));
    await waitFor(
      async () => {
        if (exitedEarly) throw new Error(`${app} exited during start; see ${logFile}`);
        const res = await fetch(`${httpUrl}/readyz`).catch(() => undefined);
        return res?.status === 200;
      },
      { timeoutMs: options.readyTimeoutMs ?? 30_000, what: `${app} /readyz (log: ${logFile})` },
    );
  }
  return handle;
}

/** The parent's PATH and locale, without its MEDIAPLANE_* variables, so tests state every setting they rely on. */
function pickBaseEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('MEDIAPLANE_') && !/_HTTP_PORT$/.test(k)) out[k] = v;
  }
  return out;
}
