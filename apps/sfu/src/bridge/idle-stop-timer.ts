/**
 * Calls `onIdle` once `delayMs` after the last occupant left (or after
 * `arm()` with nobody in), unless somebody comes back first. The bridge uses
 * it to stop FFmpeg a few seconds after the last WebRTC viewer, so a viewer
 * reloading the page keeps a warm bridge.
 */
export class IdleStopTimer {
  private occupants = 0;
  private timer?: NodeJS.Timeout;
  private fired = false;

  constructor(
    private readonly delayMs: number,
    private readonly onIdle: () => void,
  ) {}

  get count(): number {
    return this.occupants;
  }

  /** Starts the countdown if nobody is in (e.g. right after creation, before the first viewer is attached). */
  arm(): void {
    if (this.occupants === 0) this.schedule();
  }

  enter(): void {
    this.occupants++;
    this.cancel();
  }

  leave(): void {
    this.occupants = Math.max(0, this.occupants - 1);
    if (this.occupants === 0) this.schedule();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.fired) return;
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.occupants > 0 || this.fired) return;
      this.fired = true;
      this.onIdle();
    }, this.delayMs);
    this.timer.unref();
  }
}
