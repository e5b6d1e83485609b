import { FfmpegSupervisor, type FfmpegRunExit, type FfmpegRunSpec } from '@mediaplane/media-io';
import { PIPED_FLV_INPUT, buildLadderArgs, type EncoderName, type LadderPlan, type SourceMedia } from '@mediaplane/media-plan';
import { redactText, type Logger } from '@mediaplane/observability';
import type { SegmentBook } from '../hls/segment-book';
import type { TranscodeMetrics } from '../metrics/transcode-metrics.service';
import type { TranscodeConfig } from '../transcode.config';
import type { JobRecordings } from './job-recordings';
import { openLivePull, pullIdleTimeoutMs, type LivePull } from './live-session';

export interface LadderProcessOptions {
  streamId: string;
  /** Internal pull of the ingest node holding the stream (URL without token; FLV, or MPEG-TS for HEVC). */
  pull: LivePull;
  plan: LadderPlan;
  source: SourceMedia;
  encoder: EncoderName;
  thumbnailFile: string;
}

export interface LadderProcessEvents {
  /** Whether the job still wants FFmpeg to run. */
  producing(): boolean;
  /** Whether the publisher is still live (ingest's live state is this session's). */
  stillLive(): Promise<boolean>;
  /** FFmpeg ran out of input and the publisher is gone: the stream is over. */
  inputEnded(): void;
  /** FFmpeg will not be restarted although the job wanted it to run. */
  gaveUp(): void;
  /** Run `run` (> 0) follows an earlier one: the playlists get a discontinuity. */
  restarted(run: number): void;
}

/**
 * The supervised FFmpeg ladder of one job: builds each run's arguments
 * (the internal FLV on stdin, pulled with a fresh single-use ticket; segment
 * pipes, thumbnail, recording), feeds
 * its progress and segment lists to the bookkeeping, and restarts it when it
 * stalls or crashes while the publisher is still live.
 */
export class LadderProcess {
  private supervisor?: FfmpegSupervisor;

  constructor(
    private readonly options: LadderProcessOptions,
    private readonly config: TranscodeConfig,
    private readonly book: SegmentBook,
    private readonly recordings: JobRecordings,
    private readonly metrics: TranscodeMetrics,
    private readonly log: Logger,
    private readonly events: LadderProcessEvents,
  ) {}

  start(): void {
    const { config } = this;
    this.supervisor = new FfmpegSupervisor({
      ffmpegPath: config.TRANSCODE_FFMPEG_PATH,
      prepareRun: (run) => this.prepareRun(run),
      stallTimeoutMs: config.TRANSCODE_STALL_TIMEOUT_MS,
      startTimeoutMs: config.TRANSCODE_START_TIMEOUT_MS,
      backoff: { initialMs: 500, maxMs: config.TRANSCODE_RESTART_BACKOFF_MAX_MS },
      healthyAfterMs: 20_000,
      stopGraceMs: 5000,
      shouldRestart: (exit) => this.shouldRestart(exit),
    });
    this.supervisor.on('progress', (p, run) => {
      this.metrics.progress(this.options.streamId, run, p);
      if (p.outTimeUs === undefined) return;
      this.book.progress(run, p.outTimeUs);
      this.recordings.progress(run, p.outTimeUs);
    });
    this.supervisor.on('line', (fd, line, run) => this.book.line(run, fd, line));
    this.supervisor.on('done', () => {
      // FFmpeg will not run again while we still meant to produce: the job cannot go on here.
      if (this.events.producing()) this.events.gaveUp();
    });
    this.supervisor.start();
  }

  async stop(): Promise<void> {
    await this.supervisor?.stop();
  }

  private async prepareRun(run: number): Promise<FfmpegRunSpec> {
    const { config, options } = this;
    if (run > 0) this.events.restarted(run);
    const input = await openLivePull(options.pull, config.MEDIAPLANE_PLAYBACK_SECRET, options.streamId, pullIdleTimeoutMs(config));
    const built = buildLadderArgs({
      inputUrl: PIPED_FLV_INPUT,
      inputFormat: options.pull.format,
      plan: options.plan,
      source: options.source,
      encoder: options.encoder,
      vaapiDevice: config.TRANSCODE_VAAPI_DEVICE,
      segmentPattern: this.book.segmentPattern(run),
      thumbnail: { path: options.thumbnailFile, intervalSeconds: config.TRANSCODE_THUMBNAIL_INTERVAL_S },
      recordingPath: this.recordings.pathFor(run),
      inputTimeoutMs: Math.min(config.TRANSCODE_STALL_TIMEOUT_MS, 10_000),
    });
    this.book.beginRun(run, new Map([...built.segmentListFd].map(([name, fd]) => [fd, name])));
    return { args: built.args, outputPipes: built.outputPipes, stdin: input.stream, release: () => input.close() };
  }

  private async shouldRestart(exit: FfmpegRunExit): Promise<boolean> {
    if (!this.events.producing()) return false;
    const level = exit.reason === 'ended' ? 'info' : 'warn';
    this.log[level](
      {
        run: exit.run,
        reason: exit.reason,
        code: exit.code,
        signal: exit.signal,
        runtimeMs: exit.runtimeMs,
        stderr: exit.stderrTail.slice(-8).map(redactText),
      },
      'ffmpeg exited',
    );
    if (exit.reason === 'ended' || exit.reason === 'crashed') {
      const live = await this.events.stillLive().catch(() => true);
      if (!live) {
        this.events.inputEnded();
        return false;
      }
    }
    this.metrics.restart(this.options.streamId, exit.reason);
    return true;
  }
}
