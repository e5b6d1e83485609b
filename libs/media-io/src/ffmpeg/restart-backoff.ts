export interface BackoffOptions {
  /** Delay before the first restart. */
  initialMs: number;
  /** Cap of the exponential growth. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 10_000 };

/**
 * Capped exponential backoff with "equal jitter": half the delay is fixed,
 * half random, so a fleet of workers restarting after a shared cause (an
 * ingest node restarting) does not hammer it in lockstep.
 */
export function restartDelayMs(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const capped = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.round(capped / 2 + random() * (capped / 2));
}
