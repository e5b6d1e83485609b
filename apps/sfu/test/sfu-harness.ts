import { Redis } from 'ioredis';
// Test-only helper (outside src/, imported by specs only), so it may use the testing fixtures like a spec.
import {
  adminApi,
  cleanupNamespace,
  freePorts,
  freeRtcPortRange,
  loopbackSfuEnv,
  platformEnv,
  startApp,
  type AdminApi,
  type AppProcess,
  type PlatformEnv,
} from '@mediaplane/testing';

const REDIS_URL = process.env['MEDIAPLANE_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export interface CreatedStream {
  id: string;
  streamKey: string;
  name: string;
}

/**
 * A control plane and one SFU per requested engine as real processes on an
 * isolated namespace, the SFU listening and announcing 127.0.0.1 so WebRTC
 * media stays on loopback.
 */
export class SfuHarness {
  private constructor(
    readonly platform: PlatformEnv,
    readonly controlPlane: AppProcess,
    readonly sfus: Map<string, AppProcess>,
    readonly api: AdminApi,
    readonly redis: Redis,
  ) {}

  static async start(engines: readonly string[], env: Record<string, string> = {}): Promise<SfuHarness> {
    const platform = platformEnv();
    const [cpPort, ...sfuPorts] = (await freePorts(1 + engines.length)) as [number, ...number[]];
    // The API and dashboard hand out WHIP/WHEP URLs of the first SFU, as a one-host deployment would.
    const publicUrls = {
      MEDIAPLANE_PUBLIC_WHIP_URL: `http://127.0.0.1:${sfuPorts[0]}/whip`,
      MEDIAPLANE_PUBLIC_WHEP_URL: `http://127.0.0.1:${sfuPorts[0]}/whep`,
    };
    const controlPlane = await startApp('control-plane', { httpPort: cpPort, env: { ...platform.env, ...publicUrls, ...env } });
    const sfus = new Map<string, AppProcess>();
    try {
      await Promise.all(
        engines.map(async (engine, i) => {
          const range = await freeRtcPortRange(100);
          const sfu = await startApp('sfu', {
            httpPort: sfuPorts[i] as number,
            env: {
              ...platform.env,
              ...loopbackSfuEnv(engine, range),
              SFU_WORKERS: '1',
              SFU_STATS_INTERVAL_MS: '1000',
              ...env,
            },
          });
          sfus.set(engine, sfu);
        }),
      );
    } catch (error) {
      await Promise.all([controlPlane.stop(), ...[...sfus.values()].map((s) => s.stop())]);
      throw error;
    }
    return new SfuHarness(platform, controlPlane, sfus, adminApi(controlPlane.httpUrl, platform.adminToken), new Redis(REDIS_URL, { maxRetriesPerRequest: 3 }));
  }

  sfu(engine: string): AppProcess {
    const sfu = this.sfus.get(engine);
    if (!sfu) throw new Error(`no SFU with engine ${engine}`);
    return sfu;
  }

  createStream(name: string, options: { private?: boolean } = {}): Promise<CreatedStream> {
    return this.api<CreatedStream>('POST', '/streams', { name, ...options });
  }

  /** A metric's value summed over the series whose labels include `labels`. */
  async metric(engine: string, name: string, labels: Record<string, string> = {}): Promise<number> {
    const text = await (await fetch(`${this.sfu(engine).httpUrl}/metrics`)).text();
    let total = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return total;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.sfus.values()].map((s) => s.stop()));
    await this.controlPlane.stop();
    await cleanupNamespace(this.platform.namespace, { redis: this.redis });
    this.redis.disconnect();
  }
}
