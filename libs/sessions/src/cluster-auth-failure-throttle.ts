import { AuthFailureThrottle, throttleVerdict, type AuthFailureThrottleOptions, type ThrottleVerdict } from './auth-failure-throttle';
import type { AuthFailureStore } from './auth-failure-store';

/**
 * AuthFailureThrottle's policy over a cluster-wide count: failures are
 * counted in Redis (AuthFailureStore with a sliding window of
 * `forgetAfterMs`), so an address that fails on one node is slowed down and
 * blocked on every node. Attempts in flight (`begin`/`finish`) stay per
 * process: they bound parallel connections to this node while their
 * failures are not yet counted.
 *
 * Redis errors fail open to the per-process table: every failure is also
 * counted locally, and while Redis does not answer the verdict comes from
 * that table, so the throttle degrades to per-node limits (as before this
 * class existed) instead of refusing every publisher. Authorization itself
 * still fails closed: the control plane answers every attempt that passes.
 */
export class ClusterAuthFailureThrottle {
  private readonly local: AuthFailureThrottle;

  constructor(
    private readonly store: AuthFailureStore,
    private readonly options: AuthFailureThrottleOptions,
    private readonly onStoreError: (error: unknown) => void = () => undefined,
  ) {
    this.local = new AuthFailureThrottle(options);
  }

  begin(address: string | undefined): boolean {
    return this.local.begin(address);
  }

  finish(address: string | undefined): void {
    this.local.finish(address);
  }

  async verdict(address: string | undefined): Promise<ThrottleVerdict & { retryAfterMs: number; source: 'cluster' | 'local' }> {
    try {
      const count = await this.store.get(address);
      return { ...throttleVerdict(count?.failures ?? 0, this.options, count?.sinceLastFailureMs), source: 'cluster' };
    } catch (error) {
      this.onStoreError(error);
      const { delayMs, blocked } = this.local.verdict(address);
      return { delayMs, blocked, retryAfterMs: this.local.retryAfterMs(address), source: 'local' };
    }
  }

  async recordFailure(address: string | undefined): Promise<void> {
    this.local.recordFailure(address);
    try {
      await this.store.recordFailure(address);
    } catch (error) {
      this.onStoreError(error);
    }
  }

  async recordSuccess(address: string | undefined): Promise<void> {
    this.local.recordSuccess(address);
    try {
      await this.store.clear(address);
    } catch (error) {
      this.onStoreError(error);
    }
  }
}
