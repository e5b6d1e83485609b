import { barcodeLatencyMs, waitFor } from '@mediaplane/testing';
import type { ClockPlayerPage, JoinResult } from '../sfu-latency/clock-pages';
import { summarize, type Summary } from './stats';

/** Glass-to-glass over one WHEP viewer: frames whose barcode was read, misreads, and the latency over the read ones. */
export interface WhepClockLatency {
  frames: number;
  unreadable: number;
  latencyMs: Summary;
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

/** Reads the clock of every frame the joined viewer presents for `ms`: latency = presentation − the clock in the frame. */
export async function sampleWhepClock(player: ClockPlayerPage, joinId: number, ms: number, unitMs: number): Promise<WhepClockLatency> {
  const reads = await player.sample(joinId, ms);
  const latencies = reads.map((r) => barcodeLatencyMs(r.value, r.at, unitMs)).filter((l): l is number => l !== undefined);
  return { frames: latencies.length, unreadable: reads.length - latencies.length, latencyMs: summarize(latencies) };
}
