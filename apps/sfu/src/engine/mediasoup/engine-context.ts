import type { types } from 'mediasoup';
import type { RtcEngineStats } from '../rtc-engine';
import type { PeerTimeouts } from './mediasoup-peer';
import type { EngineLog, WorkerPool, WorkerSlot } from './worker-pool';

/** A mediasoup router and the worker it runs on. */
export interface RouterHome {
  slot: WorkerSlot;
  router: types.Router;
  /** Consumers on this router (the spill-over threshold counts these). */
  consumers: number;
}

/** What every RtcRouter of one engine shares. */
export interface EngineContext {
  pool: WorkerPool;
  log: EngineLog;
  timeouts: PeerTimeouts;
  /** A router with this many consumers sends new viewers to a router on another worker, fed by pipeToRouter. */
  spillConsumersAt: number;
  counts: Omit<RtcEngineStats, 'workers' | 'routers'>;
}
