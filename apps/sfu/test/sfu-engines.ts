import { findMediasoupWorker } from '../src/engine/create-rtc-engine';

/**
 * The engines the SFU can run here: werift always; mediasoup when a worker
 * exists (CI points MEDIASOUP_WORKER_BIN at ../shared/bin). A spec runs
 * every available engine and says plainly which one it could not.
 */
export function availableEngines(): { engines: string[]; missing: Array<{ engine: string; why: string }> } {
  const engines = ['werift'];
  const missing: Array<{ engine: string; why: string }> = [];
  if (findMediasoupWorker()) engines.unshift('mediasoup');
  else missing.push({ engine: 'mediasoup', why: 'no mediasoup worker on this machine (MEDIASOUP_WORKER_BIN unset or missing)' });
  return { engines, missing };
}
