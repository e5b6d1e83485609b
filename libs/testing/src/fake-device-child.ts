import type { ChildProcess } from 'node:child_process';
import { stopProcess } from './child-processes';

/**
 * An FFmpeg child standing in for one of a fake device's media producers (the fake scrcpy-server's encoder and its
 * audio recorder): its stdout is handed to `onData`, a client that does not read can pause it (as a blocking socket
 * write stalls the device), and stop() ends it.
 */
export abstract class FakeDeviceChild {
  private stopping = false;
  readonly exited: Promise<number | null>;

  protected constructor(protected readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => {
      if (!this.stopping) this.onData(d);
    });
    // A spawn failure (no FFmpeg) is an 'error' without 'exit': count it as one, and never let it throw.
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', () => resolve(null));
    });
  }

  /** Bytes the child wrote (not called once stop() began). */
  protected abstract onData(chunk: Buffer): void;

  /** True once stop() was called: an exit after that is not a failure. */
  get stopped(): boolean {
    return this.stopping;
  }

  pause(): void {
    this.child.stdout?.pause();
  }

  resume(): void {
    this.child.stdout?.resume();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    // A child that never spawned has no 'exit' to wait for.
    if (this.child.pid !== undefined) await stopProcess(this.child, 2000, 'SIGKILL');
  }
}
