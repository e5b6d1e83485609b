import { adminApi, cleanupNamespace, freePort, freeRtcPortRange, loopbackSfuEnv, platformEnv, type AdminApi, type PlatformEnv } from '@mediaplane/testing';
import { findMediasoupWorker } from '../../../apps/sfu/src/engine/create-rtc-engine';
import { startBenchApp, type BenchApp } from './bench-app';

export type SfuEngineName = 'mediasoup' | 'werift';

/** An SFU under measurement: one engine, its own process (group), its own RTC port range. */
export interface BenchSfu {
  engine: SfuEngineName;
  app: BenchApp;
  whipUrl(streamId: string): string;
  whepUrl(streamId: string): string;
}

export interface BenchStream {
  id: string;
  streamKey: string;
}

/**
 * The engines this machine can run, mediasoup first: werift always, mediasoup
 * when a worker exists (MEDIASOUP_WORKER_BIN or the package's own build).
 * `skipped` says why an engine is missing, for the report.
 */
export function benchEngines(wanted: readonly SfuEngineName[]): { engines: SfuEngineName[]; skipped: string[] } {
  const skipped: string[] = [];
  const engines = wanted.filter((engine) => {
    if (engine !== 'mediasoup' || findMediasoupWorker()) return true;
    skipped.push('mediasoup: no mediasoup worker on this machine (MEDIASOUP_WORKER_BIN unset or missing)');
    return false;
  });
  return { engines, skipped };
}

/**
 * A control plane (stream keys, WHIP authorization over NATS, live state) and
 * one compiled SFU per engine as real processes on the shared NATS and Redis
 * under a fresh namespace, everything on loopback. `sfuEnv` raises the limits
 * a bench needs (every peer comes from 127.0.0.1); the rest is production default.
 */
export class SfuBenchPlatform {
  private constructor(
    private readonly platform: PlatformEnv,
    private readonly controlPlane: BenchApp,
    readonly sfus: BenchSfu[],
    private readonly api: AdminApi,
  ) {}

  /**
   * `publicUrls`: the control plane hands out the first SFU's WHIP/WHEP URLs
   * (MEDIAPLANE_PUBLIC_WHIP_URL/WHEP_URL), as a capture agent needs to publish.
   */
  static async start(
    engines: readonly SfuEngineName[],
    options: { rtcPorts: number; sfuEnv?: Record<string, string>; publicUrls?: boolean; controlPlaneEnv?: Record<string, string> },
  ): Promise<SfuBenchPlatform> {
    const platform = platformEnv();
    const sfuPorts: number[] = [];
    for (const _ of engines) sfuPorts.push(await freePort());
    const publicSfu = `http://127.0.0.1:${sfuPorts[0] ?? 0}`;
    const controlPlane = await startBenchApp('control-plane', await freePort(), {
      ...platform.env,
      ...(options.publicUrls ? { MEDIAPLANE_PUBLIC_WHIP_URL: `${publicSfu}/whip`, MEDIAPLANE_PUBLIC_WHEP_URL: `${publicSfu}/whep` } : {}),
      ...options.controlPlaneEnv,
    });
    const sfus: BenchSfu[] = [];
    try {
      for (const [i, engine] of engines.entries()) {
        const range = await freeRtcPortRange(options.rtcPorts);
        const app = await startBenchApp('sfu', sfuPorts[i] as number, {
          ...platform.env,
          ...loopbackSfuEnv(engine, range),
          ...options.sfuEnv,
        });
        sfus.push({ engine, app, whipUrl: (id) => `${app.httpUrl}/whip/${id}`, whepUrl: (id) => `${app.httpUrl}/whep/${id}` });
      }
    } catch (error) {
      await Promise.all([controlPlane.stop(), ...sfus.map((s) => s.app.stop())]);
      throw error;
    }
    return new SfuBenchPlatform(platform, controlPlane, sfus, adminApi(controlPlane.httpUrl, platform.adminToken));
  }

  /** The platform's environment (namespace, NATS, Redis, secrets), for another app to join it (an ingest). */
  get env(): Record<string, string> {
    return this.platform.env;
  }

  /** The control plane's admin API (`/api/v1` + path), for calls beyond stream creation; non-2xx throws. */
  adminApi<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.api<T>(method, path, body);
  }

  createStream(name: string): Promise<BenchStream> {
    return this.api<BenchStream>('POST', '/streams', { name });
  }

  async stop(): Promise<void> {
    await Promise.all(this.sfus.map((s) => s.app.stop()));
    await this.controlPlane.stop();
    await cleanupNamespace(this.platform.namespace).catch(() => undefined);
  }
}
