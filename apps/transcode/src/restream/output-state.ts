import type { FfmpegExitReason } from '@mediaplane/media-io';
import type { RestreamOutputState } from '@mediaplane/contracts';

export interface OutputSnapshot {
  state: RestreamOutputState;
  bytesSent: number;
  reconnects: number;
  lastError?: string;
}

/** Longest failure reason kept (the report's schema allows 400). */
const MAX_REASON = 380;

/**
 * The state of one output over the FFmpeg runs of one session:
 * `connecting` from each spawn until bytes flow, `live` while the output
 * time advances and bytes are written, `failed` from a run's unwanted exit
 * until the next spawn (with the reason FFmpeg gave), `idle` once stopped.
 * Bytes add up over runs (FFmpeg's `total_size` restarts at 0 each run);
 * reconnects count the runs after the first. Pure: the runner feeds it
 * FFmpeg's events and reports what it says.
 */
export class OutputStateTracker {
  private state: RestreamOutputState = 'connecting';
  private completedBytes = 0;
  private runBytes = 0;
  private runs = 0;
  private lastError?: string;

  /** A new FFmpeg run started. */
  spawned(): void {
    this.runs++;
    this.completedBytes += this.runBytes;
    this.runBytes = 0;
    this.state = 'connecting';
  }

  /** A `-progress` report: bytes written so far in this run and whether the output time advanced. */
  progress(totalSizeBytes: number | undefined, advanced: boolean): void {
    if (this.state === 'idle') return;
    if (totalSizeBytes !== undefined && totalSizeBytes > this.runBytes) this.runBytes = totalSizeBytes;
    if (advanced && this.runBytes > 0) this.state = 'live';
  }

  /** The run ended without being stopped: failed with FFmpeg's reason (already redacted). */
  exited(reason: FfmpegExitReason, detail: string): void {
    if (reason === 'stopped' || this.state === 'idle') return;
    this.state = 'failed';
    const why = reason === 'ended' ? 'the source ended' : reason === 'stalled' ? 'no progress (stalled)' : 'FFmpeg failed';
    const text = detail ? `${why}: ${detail}` : why;
    this.lastError = text.length > MAX_REASON ? `${text.slice(0, MAX_REASON)}…` : text;
  }

  /** The session is over (or the output was removed): nothing runs any more. */
  stopped(): void {
    this.completedBytes += this.runBytes;
    this.runBytes = 0;
    this.state = 'idle';
  }

  snapshot(): OutputSnapshot {
    return {
      state: this.state,
      bytesSent: this.completedBytes + this.runBytes,
      reconnects: Math.max(0, this.runs - 1),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }
}

/**
 * The useful part of FFmpeg's last stderr lines: the last two that are not
 * blank, joined. The caller redacts it (it may name the target URL).
 */
export function failureDetail(stderrTail: readonly string[]): string {
  return stderrTail
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .slice(-2)
    .join(' | ');
}
