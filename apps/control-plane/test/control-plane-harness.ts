import { Redis } from 'ioredis';
import { Bus } from '@mediaplane/messaging';
import { createLogger } from '@mediaplane/observability';
// Test-only helper (outside src/, imported by specs only), so it may use the testing fixtures like a spec.
import { freePort, platformEnv, startApp, type AppProcess, type PlatformEnv, stopHarness } from '@mediaplane/testing';

const NATS_URL = process.env['MEDIAPLANE_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const REDIS_URL = process.env['MEDIAPLANE_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

/**
 * A control plane as a real process on an isolated namespace of the shared
 * NATS and Redis, plus a Bus and a Redis client on the same namespace to play
 * the other services (ingest, transcode) from the test.
 */
export class ControlPlaneHarness {
  app?: AppProcess;
  private constructor(
    readonly platform: PlatformEnv,
    readonly bus: Bus,
    readonly redis: Redis,
    private readonly env: Record<string, string>,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<ControlPlaneHarness> {
    const platform = platformEnv();
    const bus = await Bus.connect(NATS_URL, { namespace: platform.namespace, queueGroup: 'test-peer', logger: createLogger({ app: 'test', level: 'silent' }) });
    await bus.ensureJetStream();
    const harness = new ControlPlaneHarness(platform, bus, new Redis(REDIS_URL, { maxRetriesPerRequest: 3 }), env);
    await harness.launch();
    return harness;
  }

  get url(): string {
    if (!this.app) throw new Error('the control plane is not running');
    return this.app.httpUrl;
  }

  get namespace(): string {
    return this.platform.namespace;
  }

  /** Starts (or restarts) the control plane on the same namespace. */
  async launch(): Promise<AppProcess> {
    this.app = await startApp('control-plane', { httpPort: await freePort(), env: { ...this.platform.env, ...this.env } });
    return this.app;
  }

  async api<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; token?: string | null; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? this.platform.adminToken : options.token;
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined || options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = options.rawBody ?? JSON.stringify(options.body);
    }
    const res = await fetch(`${this.url}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed as T, text, headers: res.headers };
  }

  /** Stops the app, then removes this namespace's JetStream streams and Redis keys from the shared servers. */
  async stop(): Promise<void> {
    const app = this.app;
    this.app = undefined;
    await stopHarness(app, this.namespace, this);
  }
}

