import { Injectable } from '@nestjs/common';

export type Lifecycle = 'starting' | 'ready' | 'draining';

/**
 * Readiness is false while starting and from the first moment of a drain, so
 * load balancers stop sending work before listeners close. Apps may add
 * checks (e.g. "the RTMP listener is bound").
 */
@Injectable()
export class ReadinessService {
  private state: Lifecycle = 'starting';
  private readonly checks = new Map<string, () => boolean>();

  get lifecycle(): Lifecycle {
    return this.state;
  }

  markReady(): void {
    if (this.state === 'starting') this.state = 'ready';
  }

  markDraining(): void {
    this.state = 'draining';
  }

  addCheck(name: string, check: () => boolean): void {
    this.checks.set(name, check);
  }

  report(): { ready: boolean; state: Lifecycle; failing: string[] } {
    const failing = [...this.checks].filter(([, check]) => !safe(check)).map(([name]) => name);
    return { ready: this.state === 'ready' && failing.length === 0, state: this.state, failing };
  }
}

function safe(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
