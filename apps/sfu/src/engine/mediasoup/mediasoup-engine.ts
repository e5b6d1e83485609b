import type { RtcEngine, RtcEngineOptions, RtcEngineStats, RtcRouter } from '../rtc-engine';
import type { EngineContext } from './engine-context';
import { DEFAULT_PEER_TIMEOUTS, type PeerTimeouts } from './mediasoup-peer';
import { MediasoupRouter } from './mediasoup-router';
import { WorkerPool, type EngineLog } from './worker-pool';

/** Engine options only mediasoup has (the RtcEngineOptions shape stays common to both engines). */
export interface MediasoupEngineOptions extends RtcEngineOptions {
  /** Consumers per router before new viewers spill to a piped router on another worker (default 500). */
  spillConsumersAt?: number;
  timeouts?: Partial<PeerTimeouts>;
  workerBin?: string;
}

const DEFAULT_SPILL_CONSUMERS_AT = 500;
const silent: EngineLog = () => undefined;

/**
 * The production engine: mediasoup workers (one per core) with routers spread
 * over them; a worker that dies is replaced and its routers re-homed.
 */
export class MediasoupEngine implements RtcEngine {
  readonly name = 'mediasoup' as const;
  private readonly routers = new Set<MediasoupRouter>();

  private constructor(private readonly ctx: EngineContext) {
    ctx.pool.on('workerreplaced', (dead, replacement) => {
      ctx.log('info', { worker: dead.index, pid: replacement.worker.pid }, 'mediasoup worker replaced');
      // Rooms of the dead worker get a new home now, so the next join does not wait for a router.
      for (const router of this.routers) {
        void router.ensureHome().catch((error: Error) => ctx.log('error', { router: router.label, error: error.message }, 're-homing a router failed'));
      }
    });
  }

  static async create(options: MediasoupEngineOptions): Promise<MediasoupEngine> {
    const log = options.log ?? silent;
    const pool = await WorkerPool.start(options, log);
    log('info', { engine: 'mediasoup', workers: pool.size }, 'RTC engine started');
    return new MediasoupEngine({
      pool,
      log,
      timeouts: { ...DEFAULT_PEER_TIMEOUTS, ...options.timeouts },
      spillConsumersAt: options.spillConsumersAt ?? DEFAULT_SPILL_CONSUMERS_AT,
      counts: { peers: 0, producers: 0, consumers: 0, dataChannels: 0 },
    });
  }

  /** For tests and operations: the worker slots (pid, load). */
  get pool(): WorkerPool {
    return this.ctx.pool;
  }

  async createRouter(label: string): Promise<RtcRouter> {
    const router = new MediasoupRouter(label, this.ctx);
    await router.ensureHome();
    this.routers.add(router);
    const close = router.close.bind(router);
    router.close = () => {
      this.routers.delete(router);
      close();
    };
    return router;
  }

  stats(): RtcEngineStats {
    return { workers: this.ctx.pool.size, routers: this.routers.size, ...this.ctx.counts };
  }

  async close(): Promise<void> {
    for (const router of [...this.routers]) router.close();
    this.ctx.pool.close();
  }
}
