import { join } from 'node:path';
import { Readable } from 'node:stream';
import { checkOutboundTarget, type LiveStreamState, type OutboundTargetPolicy, type RestreamOutputRecord } from '@mediaplane/sessions';
import { describeRestreamTarget, redactRestreamTarget, type RestreamScheme } from '@mediaplane/contracts';
import { FfmpegSupervisor, type FfmpegExitReason, type FfmpegRunSpec } from '@mediaplane/media-io';
import { PIPED_FLV_INPUT, buildRestreamArgs, restreamRoute, type RestreamRoute } from '@mediaplane/media-plan';
import { redactText, type Logger } from '@mediaplane/observability';
import { livePullOf, openLivePull, openPull, pullIdleTimeoutMs, type LivePull } from '../jobs/live-session';
import type { TranscodeConfig } from '../transcode.config';
import { OutputStateTracker, failureDetail, type OutputSnapshot } from './output-state';
import type { RestreamMetrics } from './restream-metrics.service';

/** What a restream reads: the stream's internal pulls (without token) and codecs, from its live state. */
export type RestreamSource = Pick<LiveStreamState, 'pullUrlTs' | 'media'> & { pullUrl: string };

/** The E-RTMP tag push, run by the supervisor in place of FFmpeg (with Node): beside this file in dist, beside main.js in the bundle. */
const E_RTMP_PUSH_MAIN = join(__dirname, 'e-rtmp-push-main.js');

/** This process's `--require` preloads (the dev flow resolves @mediaplane/* with one; a bundle has none), for the push it starts. */
function nodePreloads(execArgv: readonly string[] = process.execArgv): string[] {
  const preloads: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    if ((arg === '--require' || arg === '-r') && execArgv[i + 1] !== undefined) preloads.push('--require', execArgv[++i] as string);
    else if (arg.startsWith('--require=')) preloads.push(arg);
  }
  return preloads;
}

export interface OutputRunnerContext {
  streamId: string;
  source: RestreamSource;
  config: TranscodeConfig;
  policy: OutboundTargetPolicy;
  metrics: RestreamMetrics;
  logger: Logger;
  /** Called on every state change (and by the owner's periodic report). */
  onChange: (outputId: string, snapshot: OutputSnapshot) => void;
}

/**
 * One restream output of one live session: a supervised FFmpeg (own process
 * group, progress watchdog, SIGTERM→SIGKILL, capped jittered backoff, stderr
 * drained — libs/media-io's FfmpegSupervisor) pulling the stream's internal
 * FLV (or, to SRT, the pull livePullOf picks for its codecs) and pushing it
 * unchanged to the target; for Enhanced RTMP codecs to an RTMP(S) target,
 * the E-RTMP tag push in FFmpeg's place (restreamRoute). It restarts for as long as it
 * runs; a failure here touches neither the source nor any other output
 * (each output is its own process with its own pull). The target URL is
 * never logged: log lines carry its redacted form, FFmpeg's stderr is
 * scrubbed of it before it is logged or reported.
 */
export class RestreamOutputRunner {
  readonly id: string;
  private readonly tracker = new OutputStateTracker();
  private readonly supervisor: FfmpegSupervisor;
  private readonly log: Logger;
  private lastOutTime = -1;
  private reportedBytes = 0;
  private stopping = false;
  private readonly route: RestreamRoute;
  private readonly scheme: RestreamScheme;

  constructor(
    readonly record: RestreamOutputRecord,
    private readonly ctx: OutputRunnerContext,
  ) {
    this.id = record.id;
    const target = describeRestreamTarget(record.url);
    this.log = ctx.logger.child({ outputId: record.id, target: target.redacted });
    const { config, source } = ctx;
    this.scheme = target.scheme;
    this.route = restreamRoute(target.scheme, { video: source.media.video?.codec, audio: source.media.audio?.codec });
    this.supervisor = new FfmpegSupervisor({
      ffmpegPath: this.route.kind === 'tag-push' ? process.execPath : config.TRANSCODE_FFMPEG_PATH,
      prepareRun: () => this.prepareRun(),
      stallTimeoutMs: config.TRANSCODE_STALL_TIMEOUT_MS,
      startTimeoutMs: config.TRANSCODE_START_TIMEOUT_MS,
      backoff: { initialMs: 1000, maxMs: config.TRANSCODE_RESTREAM_BACKOFF_MAX_MS },
      healthyAfterMs: 20_000,
      stopGraceMs: 3000,
      shouldRestart: () => !this.stopping,
    });
    this.supervisor.on('spawn', () => {
      this.lastOutTime = -1;
      this.tracker.spawned();
      this.changed();
    });
    this.supervisor.on('progress', (p) => {
      const out = p.outTimeUs ?? -1;
      const advanced = out > this.lastOutTime;
      this.lastOutTime = Math.max(this.lastOutTime, out);
      const before = this.tracker.snapshot();
      this.tracker.progress(p.totalSizeBytes, advanced);
      const after = this.tracker.snapshot();
      this.countBytes(after.bytesSent);
      if (after.state !== before.state) this.changed();
    });
    this.supervisor.on('exit', (exit) => {
      if (exit.reason === 'stopped') return;
      const detail = this.redact(failureDetail(exit.stderrTail));
      this.tracker.exited(exit.reason, detail);
      this.log.warn({ reason: exit.reason, code: exit.code, signal: exit.signal, runtimeMs: exit.runtimeMs, stderr: detail }, 'restream output ffmpeg exited');
      this.changed();
    });
    this.supervisor.on('restart', ({ after, delayMs, attempt }) => {
      ctx.metrics.restart(ctx.streamId, record.id, after as FfmpegExitReason);
      this.log.info({ after, delayMs, attempt }, 'restarting the restream output');
    });
  }

  start(): void {
    this.log.info({ route: this.route.kind }, 'restream output starting');
    this.supervisor.start();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.supervisor.stop();
    this.tracker.stopped();
    this.changed();
    this.ctx.metrics.forget(this.ctx.streamId, this.id);
  }

  snapshot(): OutputSnapshot {
    return this.tracker.snapshot();
  }

  /** Checks the target against the outbound policy on every run (its name may resolve elsewhere by now), then builds the run. */
  private async prepareRun(): Promise<FfmpegRunSpec> {
    const { config, streamId, source, policy } = this.ctx;
    const verdict = await checkOutboundTarget(this.record.url, policy);
    if (!verdict.ok) throw new Error(`target refused: ${verdict.reason}`);
    if (this.route.kind === 'refused') throw new Error(this.route.reason);
    const idleMs = pullIdleTimeoutMs(config);
    if (this.route.kind === 'tag-push') {
      const input = await openPull(source.pullUrl, config.MEDIAPLANE_PLAYBACK_SECRET, streamId, idleMs);
      // The URL goes on fd 3, not the command line.
      return {
        args: [...nodePreloads(), E_RTMP_PUSH_MAIN],
        stdin: input.stream,
        inputPipes: [Readable.from([`${this.record.url}\n`])],
        release: () => input.close(),
      };
    }
    const scheme = this.scheme;
    const pull: LivePull = (scheme === 'srt' ? livePullOf(source) : undefined) ?? { url: source.pullUrl, format: 'flv' };
    const input = await openLivePull(pull, config.MEDIAPLANE_PLAYBACK_SECRET, streamId, idleMs);
    return {
      args: buildRestreamArgs({
        inputUrl: PIPED_FLV_INPUT,
        inputFormat: pull.format,
        targetUrl: this.record.url,
        scheme,
        audioCodec: source.media.audio?.codec,
      }),
      stdin: input.stream,
      release: () => input.close(),
    };
  }

  private countBytes(total: number): void {
    if (total > this.reportedBytes) this.ctx.metrics.sent(this.ctx.streamId, this.id, total - this.reportedBytes);
    this.reportedBytes = Math.max(this.reportedBytes, total);
  }

  private changed(): void {
    const snapshot = this.tracker.snapshot();
    this.ctx.metrics.state(this.ctx.streamId, this.id, snapshot.state);
    this.ctx.onChange(this.id, snapshot);
  }

  /** FFmpeg's words with the target's secrets and any token-like query values masked. */
  private redact(text: string): string {
    return redactText(redactRestreamTarget(text, this.record.url));
  }
}
