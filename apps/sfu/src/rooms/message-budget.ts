/** A token bucket refilled every second: true while the caller is within its rate (room signalling, remote input). */
export function messageBudget(perSecond: number, now: () => number = Date.now): () => boolean {
  let tokens = perSecond;
  let refilledAt = now();
  return () => {
    const t = now();
    if (t - refilledAt >= 1000) {
      tokens = perSecond;
      refilledAt = t;
    }
    if (tokens <= 0) return false;
    tokens -= 1;
    return true;
  };
}
