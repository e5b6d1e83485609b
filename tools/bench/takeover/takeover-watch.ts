import type { Redis } from 'ioredis';
import type { transcodeKeys } from '@mediaplane/sessions';
import { parseMedia, sleep, type MediaSegment } from '@mediaplane/testing';

export interface TakeoverRound {
  signal: 'SIGKILL' | 'SIGSTOP';
  /** Since the signal: the job lease names another worker. */
  leaseMs?: number;
  /** Since the signal: the HLS origin entry edges read names another worker. */
  originMs?: number;
  /** Since the signal: the edge's media playlist lists a segment the signalled worker did not make. */
  resumeMs?: number;
  /** What the edge answered meanwhile (a viewer's view: 200 stale, 503 with Retry-After, never 404). */
  statuses: Array<{ status: number; count: number }>;
}

export interface TakeoverWatchOptions {
  redis: Redis;
  keys: ReturnType<typeof transcodeKeys>;
  streamId: string;
  mediaUrl: string;
  /** Instance id of the signalled worker. */
  victim: string;
  /** The newest segment on the edge before the signal (the signalled worker's). */
  before: MediaSegment;
  signal: TakeoverRound['signal'];
  signalledAt: number;
  timeoutMs: number;
}

/**
 * Follows one takeover from the signal on: Redis (lease, origin entry) and
 * the edge are polled in separate loops, so an edge request hanging on the
 * stopped worker does not delay the Redis readings.
 */
export async function watchTakeover(o: TakeoverWatchOptions): Promise<TakeoverRound> {
  const result: TakeoverRound = { signal: o.signal, statuses: [] };
  const deadline = o.signalledAt + o.timeoutMs;
  const since = (): number => Date.now() - o.signalledAt;
  const workerIn = async (key: string): Promise<string | undefined> => {
    const raw = await o.redis.get(key);
    return raw ? (JSON.parse(raw) as { worker?: string }).worker : undefined;
  };
  const redisLoop = (async () => {
    while ((result.leaseMs === undefined || result.originMs === undefined) && Date.now() < deadline) {
      const [lease, origin] = await Promise.all([workerIn(o.keys.jobLease(o.streamId)), workerIn(o.keys.hlsOrigin(o.streamId))]);
      if (result.leaseMs === undefined && lease && lease !== o.victim) result.leaseMs = since();
      if (result.originMs === undefined && origin && origin !== o.victim) result.originMs = since();
      await sleep(25);
    }
  })();
  const edgeLoop = (async () => {
    while (result.resumeMs === undefined && Date.now() < deadline) {
      const res = await fetch(o.mediaUrl);
      const counted = result.statuses.find((s) => s.status === res.status);
      if (counted) counted.count++;
      else result.statuses.push({ status: res.status, count: 1 });
      if (res.status === 200) {
        // Segment names carry the producing job's epoch: a new epoch past the old numbering is the new worker's.
        const newest = parseMedia(await res.text()).segments.at(-1);
        if (newest && newest.msn > o.before.msn && epochOf(newest.uri) !== epochOf(o.before.uri)) result.resumeMs = since();
      } else await res.body?.cancel();
      await sleep(50);
    }
  })();
  await Promise.all([redisLoop, edgeLoop]);
  return result;
}

/** `s<msn>-<epoch>.ts` (the edge may add a query) → epoch. */
function epochOf(uri: string): string {
  return /-([^-/.?]+)\.ts(\?|$)/.exec(uri)?.[1] ?? uri;
}
