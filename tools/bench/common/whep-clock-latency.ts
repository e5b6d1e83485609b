import { barcodeLatencyMs, waitFor } from '@mediaplane/testing';
import type { ClockPlayerPage, JoinResult } from '../sfu-latency/clock-pages';
import { summarize, type Summary } from './stats';

const SETTLED_WINDOW_MS = 5000;

/** Glass-to-glass over one WHEP viewer: frames whose barcode was read, misreads, and the latency over the read ones. */
export interface WhepClockLatency {
  frames: number;
  unreadable: number;
  latencyMs: Summary;
  /** The reads of the window's last SETTLED_WINDOW_MS: a latency that drifts (a browser's lip sync settling) shows against the whole. */
  lastSecondsMs: Summary;
  /** How long it sampled, and frames presented per second over it (readable or not). */
  sampledSeconds: number;
  presentedFps: number;
}

/**
 * Joins until a join gets a frame (a publisher's handshake and first GOP take
 * a moment after it starts); the viewer that got one stays joined.
 */
export function joinOnceLive(
  player: ClockPlayerPage,
  url: string,
  what: string,
  options: { joinTimeoutMs?: number; timeoutMs?: number } = {},
): Promise<JoinResult> {
  return waitFor(
    async () => {
      const join = await player.join(url, options.joinTimeoutMs ?? 5000);
      if (join.firstFrameMs !== undefined) return join;
      if (join.id !== undefined) await player.leave(join.id);
      return undefined;
    },
    { timeoutMs: options.timeoutMs ?? 30_000, what: `${what} to play over WHEP` },
  );
}

/**
 * Reads the clock of every frame the joined viewer presents for `ms`: latency = presentation − the clock in the frame.
 * With `minFrames`, it goes on in `ms` steps until that many were read or `maxMs` passed (a stream that freezes).
 */
export async function sampleWhepClock(
  player: ClockPlayerPage,
  joinId: number,
  ms: number,
  unitMs: number,
  options: { minFrames?: number; maxMs?: number } = {},
): Promise<WhepClockLatency> {
  const latencies: number[] = [];
  const readAt: number[] = [];
  let presented = 0;
  const startedAt = performance.now();
  do {
    const reads = await player.sample(joinId, ms);
    presented += reads.length;
    for (const r of reads) {
      const latency = barcodeLatencyMs(r.value, r.at, unitMs);
      if (latency === undefined) continue;
      latencies.push(latency);
      readAt.push(r.at);
    }
  } while (latencies.length < (options.minFrames ?? 0) && performance.now() - startedAt + ms <= (options.maxMs ?? 0));
  const sampledSeconds = (performance.now() - startedAt) / 1000;
  return {
    frames: latencies.length,
    unreadable: presented - latencies.length,
    latencyMs: summarize(latencies),
    lastSecondsMs: summarize(latencies.filter((_, i) => (readAt[i] as number) >= (readAt[readAt.length - 1] ?? 0) - SETTLED_WINDOW_MS)),
    sampledSeconds,
    presentedFps: presented / sampledSeconds,
  };
}
