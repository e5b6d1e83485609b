/**
 * Exponential backoff with full jitter on the upper half: attempt 1 failed →
 * about `base`, attempt 2 → about 2×base, … capped at `max`. The jitter keeps
 * many deliveries that failed together (a receiver outage) from retrying in
 * lockstep.
 */
export function retryDelayMs(failedAttempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(failedAttempt - 1, 30)));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}
