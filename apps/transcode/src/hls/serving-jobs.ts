import { Injectable } from '@nestjs/common';
import type { TranscodeJob } from '../jobs/transcode-job';

/** Jobs whose HLS this worker serves (producing, or lingering after the end), by stream id; the newest wins. */
@Injectable()
export class ServingJobs {
  private readonly jobs = new Map<string, TranscodeJob>();

  add(job: TranscodeJob): void {
    this.jobs.set(job.streamId, job);
    void job.closed.then(() => {
      if (this.jobs.get(job.streamId) === job) this.jobs.delete(job.streamId);
    });
  }

  get(streamId: string): TranscodeJob | undefined {
    return this.jobs.get(streamId);
  }
}
