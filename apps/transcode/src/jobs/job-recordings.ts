import { mkdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { transcodeContracts } from '@mediaplane/contracts';
import type { Bus } from '@mediaplane/messaging';
import type { Logger } from '@mediaplane/observability';

interface RecordedRun {
  path: string;
  /** FFmpeg's output time reached, the recording's duration. */
  outTimeUs: number;
}

/**
 * Recordings of a stream with `record: true`: one source-quality file per
 * FFmpeg run (MPEG-TS, or Matroska for AV1 and VP9: `extension`, from
 * recordingExtension; both play even if the worker dies mid-run), announced
 * with `recording.ready` when the job stops.
 */
export class JobRecordings {
  private readonly runs = new Map<number, RecordedRun>();

  constructor(
    private readonly options: { enabled: boolean; root: string; streamId: string; epoch: string; origin: string; extension: 'ts' | 'mkv' },
    private readonly bus: Bus,
    private readonly log: Logger,
  ) {}

  async prepare(): Promise<void> {
    if (this.options.enabled) await mkdir(join(this.options.root, this.options.streamId), { recursive: true });
  }

  /** Where run `run` records to, or undefined when the stream is not recorded. */
  pathFor(run: number): string | undefined {
    if (!this.options.enabled) return undefined;
    const stamp = new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    const path = join(this.options.root, this.options.streamId, `${stamp}-${this.options.epoch}-r${run}.${this.options.extension}`);
    this.runs.set(run, { path, outTimeUs: 0 });
    return path;
  }

  progress(run: number, outTimeUs: number): void {
    const recorded = this.runs.get(run);
    if (recorded) recorded.outTimeUs = Math.max(recorded.outTimeUs, outTimeUs);
  }

  /** Announces every non-empty recording of this job. */
  async announce(): Promise<void> {
    const { streamId, root, origin, epoch } = this.options;
    for (const [run, recorded] of this.runs) {
      const bytes = await stat(recorded.path).then(
        (s) => s.size,
        () => 0,
      );
      if (bytes === 0) continue;
      await this.bus
        .publish(
          transcodeContracts.recordingReady,
          { streamId },
          { streamId, origin, file: relative(root, recorded.path), durationSeconds: recorded.outTimeUs / 1e6, bytes, at: new Date().toISOString() },
          { msgId: `recording-${streamId}-${epoch}-${run}` },
        )
        .catch((error: unknown) => this.log.warn({ err: error }, 'recordingReady not published'));
    }
  }
}
