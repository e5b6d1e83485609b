/**
 * Token bucket per device: `ratePerS` events per second on average, `burst` at once. Independent buckets, so one
 * device's flood never slows another's input.
 */
export class InputRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a token for the device; false when its bucket is empty. */
  take(deviceId: string): boolean {
    const t = this.now();
    const bucket = this.buckets.get(deviceId) ?? { tokens: this.burst, at: t };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((t - bucket.at) / 1000) * this.ratePerS);
    bucket.at = t;
    this.buckets.set(deviceId, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  forget(deviceId: string): void {
    this.buckets.delete(deviceId);
  }
}
