import { Injectable } from '@nestjs/common';

export type DrainHook = (deadline: number) => Promise<void>;

/**
 * Ordered drain on SIGTERM: apps register hooks (stop accepting publishers,
 * finish jobs, …); all run in parallel and must settle before `deadline`
 * (epoch ms) or the kit closes anyway.
 */
@Injectable()
export class ShutdownService {
  private readonly hooks = new Map<string, DrainHook>();

  onDrain(name: string, hook: DrainHook): void {
    this.hooks.set(name, hook);
  }

  async drain(deadline: number): Promise<string[]> {
    const unfinished: string[] = [];
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now())).unref());
    await Promise.all(
      [...this.hooks].map(async ([name, hook]) => {
        const outcome = await Promise.race([
          hook(deadline).then(
            () => 'done' as const,
            () => 'done' as const,
          ),
          timeout,
        ]);
        if (outcome === 'timeout') unfinished.push(name);
      }),
    );
    return unfinished;
  }
}
