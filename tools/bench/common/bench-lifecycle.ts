import { killAllChildren } from '@mediaplane/testing';
import { say } from './progress';
import { reapStaleBenchProcesses } from './stale-processes';

export interface BenchContext {
  /**
   * Registers a clean-up (stop a server, a publisher), run in reverse order at
   * the end, on errors and on Ctrl-C; returns it wrapped to run at most once,
   * so the bench can also call it early.
   */
  defer(name: string, cleanup: () => void | Promise<void>): () => Promise<void>;
  readonly interrupted: boolean;
}

/**
 * Runs a bench's main function so that every process it started is stopped
 * however it ends: normally, with an error, or on SIGINT/SIGTERM (a second
 * signal while cleaning up is ignored; the runner may forward one).
 */
export function runBench(main: (context: BenchContext) => Promise<void>): void {
  const cleanups: Array<{ name: string; run: () => void | Promise<void> }> = [];
  let finishing = false;
  let interrupted = false;

  const finish = async (code: number): Promise<never> => {
    if (finishing) return new Promise<never>(() => undefined);
    finishing = true;
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup.run();
      } catch (error) {
        say(`clean-up "${cleanup.name}" failed: ${(error as Error).message}`);
      }
    }
    await killAllChildren();
    process.exit(code);
  };

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      say(`${signal}: stopping every process this bench started…`);
      void finish(130);
    });
  }

  reapStaleBenchProcesses();
  const context: BenchContext = {
    defer: (name, run) => {
      let done: Promise<void> | undefined;
      const once = (): Promise<void> => (done ??= Promise.resolve().then(run));
      cleanups.push({ name, run: once });
      return once;
    },
    get interrupted() {
      return interrupted;
    },
  };
  main(context).then(
    () => finish(0),
    (error: unknown) => {
      if (!interrupted) say(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return finish(interrupted ? 130 : 1);
    },
  );
}
