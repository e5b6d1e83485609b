/**
 * Holds a writer to a byte rate: `sent(n)` resolves once the bytes written so
 * far fit the rate. Only a burst (a cached GOP) ever reaches the rate; live
 * media comes slower and passes without waiting.
 */
export class BytePacer {
  private readonly startedAt = performance.now();
  private total = 0;

  constructor(private readonly bytesPerMs: number) {}

  /** How long to wait (ms) before writing more, after `bytes` more were written. */
  delayAfter(bytes: number): number {
    this.total += bytes;
    return this.total / this.bytesPerMs - (performance.now() - this.startedAt);
  }

  async sent(bytes: number): Promise<void> {
    const ahead = this.delayAfter(bytes);
    if (ahead > 5) await new Promise((resolve) => setTimeout(resolve, ahead));
  }
}
