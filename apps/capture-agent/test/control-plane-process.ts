import { cleanupNamespace, freePort, platformEnv, startApp, type AppProcess, type PlatformEnv } from '@mediaplane/testing';

// Test-only helper (outside src/, imported by specs only). Apps may not import each other, so the capture agent's
// specs run the control plane as the process it is, through its public port, rather than with its own harness.

export interface ApiResult<T> {
  status: number;
  body: T;
}

/** A control plane on an isolated namespace of the shared NATS and Redis, and an admin API client for it. */
export class ControlPlaneProcess {
  private constructor(
    readonly platform: PlatformEnv,
    readonly app: AppProcess,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<ControlPlaneProcess> {
    const platform = platformEnv();
    const app = await startApp('control-plane', { httpPort: await freePort(), env: { ...platform.env, ...env } });
    return new ControlPlaneProcess(platform, app);
  }

  get url(): string {
    return this.app.httpUrl;
  }

  async api<T = Record<string, unknown>>(method: string, path: string, options: { body?: unknown; token?: string | null } = {}): Promise<ApiResult<T>> {
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? this.platform.adminToken : options.token;
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: res.status, body: body as T };
  }

  /** Stops the process and removes the namespace's JetStream streams and Redis keys. */
  async stop(): Promise<void> {
    await this.app.stop();
    await cleanupNamespace(this.platform.namespace);
  }
}
