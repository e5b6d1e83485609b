import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { createWorker, type types } from 'mediasoup';
import type { RtcEngineOptions } from '../rtc-engine';

export type EngineLog = NonNullable<RtcEngineOptions['log']>;

/** One mediasoup worker process and what lives on it. */
export interface WorkerSlot {
  /** Stable position in the pool: a replacement worker takes the dead one's index and port slice. */
  readonly index: number;
  readonly worker: types.Worker;
  /**
   * One WebRtcServer per worker, listening on one UDP and one TCP port of the
   * worker's slice of the RTC range. Why not a port per transport: every peer
   * would take a UDP and a TCP port, capping a node at ~1,000 peers in
   * PLATFORM.md's 1,000-port range, and each join/leave would open and close
   * sockets. With the server, all transports of a worker share two sockets
   * (demultiplexed by ICE ufrag); the rest of the slice serves pipe transports.
   */
  readonly webRtcServer: types.WebRtcServer;
  /** Consumers placed on this worker (the load that matters for an SFU). */
  consumers: number;
  routers: number;
}

export interface WorkerPoolEvents {
  /** A worker died and was replaced; everything on the dead one is gone. */
  workerreplaced: [dead: WorkerSlot, replacement: WorkerSlot];
}

export interface WorkerPoolOptions extends RtcEngineOptions {
  /** Worker binary; mediasoup's own default (MEDIASOUP_WORKER_BIN or the bundled one) when unset. */
  workerBin?: string;
}

/** One worker per core, each on its own slice of the RTC port range; dead workers are replaced. */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  private readonly slots: (WorkerSlot | undefined)[];
  private closed = false;

  private constructor(
    private readonly options: WorkerPoolOptions,
    private readonly log: EngineLog,
    count: number,
  ) {
    super();
    this.slots = new Array<WorkerSlot | undefined>(count).fill(undefined);
  }

  static async start(options: WorkerPoolOptions, log: EngineLog): Promise<WorkerPool> {
    const count = options.workers && options.workers > 0 ? options.workers : availableParallelism();
    const width = options.rtcMaxPort - options.rtcMinPort + 1;
    if (!Number.isInteger(width) || width < count * 2) {
      throw new Error(`RTC port range ${options.rtcMinPort}-${options.rtcMaxPort} is too small for ${count} workers (2 ports each at least)`);
    }
    const pool = new WorkerPool(options, log, count);
    try {
      for (let i = 0; i < count; i++) pool.slots[i] = await pool.startSlot(i);
    } catch (error) {
      pool.close();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.slots.filter(Boolean).length;
  }

  all(): WorkerSlot[] {
    return this.slots.filter((s): s is WorkerSlot => s !== undefined);
  }

  /** The live worker with the fewest consumers (then routers), optionally not `exclude`. */
  leastLoaded(exclude?: WorkerSlot): WorkerSlot {
    const live = this.all().filter((s) => !s.worker.closed);
    const candidates = live.filter((s) => s !== exclude);
    const pick = (candidates.length > 0 ? candidates : live).sort((a, b) => a.consumers - b.consumers || a.routers - b.routers)[0];
    if (!pick) throw new Error('no mediasoup worker is running');
    return pick;
  }

  /** Like leastLoaded, but waits (up to waitMs) for a replacement when no worker is alive, as after the only one died. */
  async acquire(exclude?: WorkerSlot, waitMs = 15_000): Promise<WorkerSlot> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (this.closed) throw new Error('the mediasoup engine is closed');
      if (this.all().some((s) => !s.worker.closed)) return this.leastLoaded(exclude);
      if (Date.now() > deadline) throw new Error('no mediasoup worker is running');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  close(): void {
    this.closed = true;
    for (const slot of this.all()) slot.worker.close();
  }

  private portSlice(index: number): types.TransportPortRange {
    const { rtcMinPort, rtcMaxPort } = this.options;
    const width = Math.floor((rtcMaxPort - rtcMinPort + 1) / this.slots.length);
    const min = rtcMinPort + index * width;
    return { min, max: index === this.slots.length - 1 ? rtcMaxPort : min + width - 1 };
  }

  private async startSlot(index: number): Promise<WorkerSlot> {
    const portRange = this.portSlice(index);
    const worker = await createWorker({
      logLevel: 'warn',
      rtcMinPort: portRange.min,
      rtcMaxPort: portRange.max,
      ...(this.options.workerBin ? { workerBin: this.options.workerBin } : {}),
    });
    const listen = (protocol: types.TransportProtocol): types.TransportListenInfo => ({
      protocol,
      ip: this.options.listenIp,
      announcedAddress: this.options.announcedAddress ?? undefined,
      portRange,
    });
    let webRtcServer: types.WebRtcServer;
    try {
      webRtcServer = await worker.createWebRtcServer({ listenInfos: [listen('udp'), listen('tcp')] });
    } catch (error) {
      worker.close();
      throw error;
    }
    const slot: WorkerSlot = { index, worker, webRtcServer, consumers: 0, routers: 0 };
    worker.on('died', (error) => void this.replace(slot, error));
    this.log('info', { worker: index, pid: worker.pid, ports: `${portRange.min}-${portRange.max}` }, 'mediasoup worker started');
    return slot;
  }

  private async replace(dead: WorkerSlot, error: Error): Promise<void> {
    if (this.closed) return;
    this.log('error', { worker: dead.index, pid: dead.worker.pid, error: error.message }, 'mediasoup worker died; replacing it');
    this.slots[dead.index] = undefined;
    for (let attempt = 1; !this.closed; attempt++) {
      try {
        const replacement = await this.startSlot(dead.index);
        if (this.closed) {
          replacement.worker.close();
          return;
        }
        this.slots[dead.index] = replacement;
        this.emit('workerreplaced', dead, replacement);
        return;
      } catch (startError) {
        this.log('error', { worker: dead.index, attempt, error: (startError as Error).message }, 'mediasoup worker restart failed');
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * attempt)));
      }
    }
  }
}
