import { Inject, Injectable } from '@nestjs/common';
import { counter, gauge, type Registry } from '@mediaplane/observability';
import { METRICS } from '@mediaplane/service-kit';
import type { FfmpegProgress, FfmpegExitReason } from '@mediaplane/media-io';

/** Per-stream FFmpeg figures (labelled by public stream id, never a key or token) and pool figures. */
@Injectable()
export class TranscodeMetrics {
  readonly jobs;
  readonly capacity;
  readonly claims;
  private readonly speed;
  private readonly fps;
  private readonly dropped;
  private readonly duplicated;
  private readonly restarts;
  private readonly segments;
  readonly encoderInfo;
  private readonly lastCounts = new Map<string, { drop: number; dup: number; run: number }>();
  private readonly labelled = new Map<string, { reasons: Set<string>; renditions: Set<string> }>();

  constructor(@Inject(METRICS) registry: Registry) {
    this.jobs = gauge(registry, 'mediaplane_transcode_jobs', 'Streams this worker is transcoding');
    this.capacity = gauge(registry, 'mediaplane_transcode_job_capacity', 'Streams this worker accepts at most (TRANSCODE_MAX_JOBS)');
    this.claims = counter(registry, 'mediaplane_transcode_job_claims_total', 'Jobs claimed, by whether another worker held them before', ['takeover']);
    this.speed = gauge(registry, 'mediaplane_transcode_encode_speed', 'FFmpeg speed relative to real time (1 = keeping up)', ['stream']);
    this.fps = gauge(registry, 'mediaplane_transcode_encode_fps', 'Frames per second FFmpeg processes', ['stream']);
    this.dropped = counter(registry, 'mediaplane_transcode_dropped_frames_total', 'Frames dropped to keep a constant output rate', ['stream']);
    this.duplicated = counter(registry, 'mediaplane_transcode_duplicated_frames_total', 'Frames duplicated to keep a constant output rate', ['stream']);
    this.restarts = counter(
      registry,
      'mediaplane_transcode_ffmpeg_restarts_total',
      'FFmpeg restarts by cause (crashed, stalled, ended while the stream is live)',
      ['stream', 'reason'],
    );
    this.segments = counter(registry, 'mediaplane_transcode_segments_total', 'HLS segments produced', ['stream', 'rendition']);
    this.encoderInfo = gauge(registry, 'mediaplane_transcode_encoder_info', 'The H.264 encoder chosen at start (value 1)', ['encoder']);
  }

  /** Creates the stream's series at 0, so a stream that never drops a frame still shows that it dropped none. */
  startStream(streamId: string): void {
    this.dropped.inc({ stream: streamId }, 0);
    this.duplicated.inc({ stream: streamId }, 0);
  }

  progress(streamId: string, run: number, p: FfmpegProgress): void {
    if (p.speed !== undefined) this.speed.set({ stream: streamId }, p.speed);
    if (p.fps !== undefined) this.fps.set({ stream: streamId }, p.fps);
    // FFmpeg's counters are per run: count only what grew since the last report of the same run.
    const last = this.lastCounts.get(streamId);
    const base = last && last.run === run ? last : { drop: 0, dup: 0, run };
    const drop = p.dropFrames ?? base.drop;
    const dup = p.dupFrames ?? base.dup;
    if (drop > base.drop) this.dropped.inc({ stream: streamId }, drop - base.drop);
    if (dup > base.dup) this.duplicated.inc({ stream: streamId }, dup - base.dup);
    this.lastCounts.set(streamId, { drop, dup, run });
  }

  restart(streamId: string, reason: FfmpegExitReason): void {
    this.labels(streamId).reasons.add(reason);
    this.restarts.inc({ stream: streamId, reason });
  }

  segment(streamId: string, rendition: string): void {
    this.labels(streamId).renditions.add(rendition);
    this.segments.inc({ stream: streamId, rendition });
  }

  private labels(streamId: string): { reasons: Set<string>; renditions: Set<string> } {
    let l = this.labelled.get(streamId);
    if (!l) this.labelled.set(streamId, (l = { reasons: new Set(), renditions: new Set() }));
    return l;
  }

  /** Drops a finished stream's series so label sets do not grow without bound. */
  forget(streamId: string): void {
    this.lastCounts.delete(streamId);
    for (const m of [this.speed, this.fps, this.dropped, this.duplicated]) m.remove({ stream: streamId });
    const l = this.labelled.get(streamId);
    for (const reason of l?.reasons ?? []) this.restarts.remove({ stream: streamId, reason });
    for (const rendition of l?.renditions ?? []) this.segments.remove({ stream: streamId, rendition });
    this.labelled.delete(streamId);
  }
}
