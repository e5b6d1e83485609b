import { EventEmitter } from 'node:events';
import { slateInputArgs } from '@mediaplane/media-plan';
import type { FfmpegProgress, FfmpegRunExit, FfmpegRunSpec, FfmpegSupervisorOptions } from '@mediaplane/media-io';
import type { Logger } from '@mediaplane/observability';
import type { CaptureStateView } from '@mediaplane/contracts';
import type { CaptureFeed, CaptureQuality, DeviceInfo } from '../devices/device-source';
import type { AdaptiveChange } from '@mediaplane/media-plan';
import type { CaptureOutputTarget, RunInputs } from './capture-output';

/** The part of FfmpegSupervisor a session drives (a fake in the state-machine spec). */
export interface PublishSupervisor {
  start(): void;
  stop(): Promise<void>;
  cycle(): Promise<void>;
  on(event: 'progress', listener: (progress: FfmpegProgress, run: number) => void): this;
  on(event: 'exit', listener: (exit: FfmpegRunExit) => void): this;
  on(event: 'spawn', listener: (info: { run: number; pid: number | undefined }) => void): this;
}

export type SupervisorFactory = (options: Pick<FfmpegSupervisorOptions, 'prepareRun' | 'shouldRestart'>) => PublishSupervisor;

export interface CaptureSessionOptions {
  device: DeviceInfo;
  streamId: string;
  quality: CaptureQuality;
  output: CaptureOutputTarget;
  /** Whether the device is listed by its source now. */
  devicePresent: () => boolean;
  /** Opens the device's feed (only called while it is present). */
  openFeed: (quality: CaptureQuality) => Promise<CaptureFeed>;
  supervisor: SupervisorFactory;
  /** How long the slate runs after a feed failed before the device is tried again (while it is listed). */
  deviceRetryMs: number;
  logger: Logger;
  now?: () => number;
}

export type CaptureMode = 'device' | 'slate';

export interface CaptureSessionEvents {
  /** State, mode or counters changed (for the announcer and metrics). */
  changed: [];
  progress: [progress: FfmpegProgress, mode: CaptureMode];
  restart: [reason: FfmpegRunExit['reason']];
  /** The output moved the quality one adaptive step (WHIP). */
  adapted: [change: AdaptiveChange];
}

/**
 * One device's capture: an FFmpeg publish run at a time, kept up by its own
 * supervisor (restart with capped, jittered backoff; stall watchdog). Each run
 * reads the device's feed when the device is there and the "device
 * unavailable" slate when it is not, so the stream stays up while a device is
 * gone; the session switches to the slate when the feed ends and back when
 * the device returns. Sessions share nothing: one failing never touches another.
 *
 * States: starting → live ⇄ slate; any → reconnecting (a run failed, waiting
 * out the backoff) → live/slate at the next run's first progress.
 */
export class CaptureSession extends EventEmitter<CaptureSessionEvents> {
  readonly startedAt = new Date();
  private state: CaptureStateView['state'] = 'starting';
  private mode: CaptureMode = 'slate';
  private readonly supervisor: PublishSupervisor;
  private currentFeed?: { feed: CaptureFeed; run: number };
  private runs = 0;
  private deviceRetryAt = 0;
  private retryTimer?: NodeJS.Timeout;
  private stopped = false;
  private fps = 0;
  private bitrateKbps = 0;
  private inputEvents = 0;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly options: CaptureSessionOptions) {
    super();
    this.now = options.now ?? Date.now;
    this.log = options.logger.child({ deviceId: options.device.id, streamId: options.streamId, output: options.output.kind });
    this.supervisor = options.supervisor({
      prepareRun: (run) => this.prepareRun(run),
      shouldRestart: () => !this.stopped,
    });
    this.supervisor.on('progress', (p, run) => this.onProgress(p, run));
    this.supervisor.on('exit', (exit) => this.onExit(exit));
  }

  get deviceId(): string {
    return this.options.device.id;
  }

  get device(): DeviceInfo {
    return this.options.device;
  }

  get streamId(): string {
    return this.options.streamId;
  }

  get captureMode(): CaptureMode {
    return this.mode;
  }

  start(): void {
    this.log.info({ quality: this.options.quality }, 'capture starting');
    const output = this.options.output;
    if (!output.open) return this.supervisor.start();
    // An output with its own transport (WHIP) opens it first: its runs write to what it opened.
    output
      .open({
        restartRun: (reason) => this.restartRun(reason),
        requestKeyframe: (reason) => this.requestKeyframe(reason),
        adapt: (change) => this.adapt(change),
      })
      .then(() => {
        if (!this.stopped) this.supervisor.start();
      })
      .catch((error: unknown) => {
        this.log.error({ err: this.redactError(error) }, 'could not open the output');
        this.state = 'reconnecting';
        this.emit('changed');
      });
  }

  /** The output asks for a new run now (a new WebRTC session needs a keyframe). */
  private restartRun(reason: string): void {
    if (this.stopped) return;
    this.log.info({ reason }, 'restarting the publish run');
    void this.supervisor.cycle();
  }

  /** A receiver needs a keyframe: the device's feed makes one without a gap when it can, else a new run. */
  private requestKeyframe(reason: string): void {
    const feed = this.mode === 'device' ? this.currentFeed?.feed : undefined;
    if (!feed?.requestKeyframe) return this.restartRun(reason);
    this.log.info({ reason }, 'keyframe asked of the device');
    feed.requestKeyframe();
  }

  /**
   * One adaptive-quality step. When the run passes the device's video through (its FFmpeg arguments do not depend on
   * the quality) and the feed can change quality itself (screenrecord's hand-over), only the device changes: no gap.
   * Otherwise the next run encodes (or asks the device for) the new quality and starts at once. Cost: the FFmpeg
   * restart — the old run is stopped, the new one starts with a keyframe (a few hundred ms to seconds without new
   * pictures; the WebRTC session, its SSRCs and the viewers' decoders carry on).
   */
  private adapt(change: AdaptiveChange): void {
    if (this.stopped) return;
    const from = this.options.quality;
    const to = { ...change.to };
    Object.assign(this.options, { quality: to });
    const feed = this.mode === 'device' ? this.currentFeed?.feed : undefined;
    const seamless = feed?.changeQuality !== undefined && this.runArgsOf(feed, from) === this.runArgsOf(feed, to);
    this.log.info(
      { direction: change.direction, step: change.step, from: change.from, to: change.to, reason: change.reason, seamless },
      'adaptive quality change',
    );
    this.emit('adapted', change);
    this.emit('changed');
    if (seamless) feed?.changeQuality?.(to);
    else void this.supervisor.cycle();
  }

  /** The publish run's arguments for this feed at a quality, joined (to see whether a quality change touches them). */
  private runArgsOf(feed: CaptureFeed, quality: CaptureQuality): string {
    return this.options.output.runArgs(feedRunInputs(feed), quality).join('\u0000');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.supervisor.stop();
    await this.releaseFeed();
    await this.options.output.close?.().catch((error: unknown) => this.log.warn({ err: this.redactError(error) }, 'output close failed'));
    this.log.info({ restarts: Math.max(0, this.runs - 1) }, 'capture stopped');
  }

  /** The device went away (its source removed it): show the slate now. */
  onDeviceGone(): void {
    if (this.stopped || this.mode !== 'device') return;
    this.log.warn('device gone: switching to the slate');
    void this.supervisor.cycle();
  }

  /** The device is (back) in its source's list: go back to its picture now. */
  onDeviceBack(device: DeviceInfo): void {
    Object.assign(this.options, { device });
    if (this.stopped || this.mode === 'device') return;
    this.deviceRetryAt = 0;
    this.log.info('device back: switching from the slate to the device');
    void this.supervisor.cycle();
  }

  countInput(): void {
    this.inputEvents++;
    this.emit('changed');
  }

  view(): CaptureStateView {
    const adaptive = this.options.output.adaptive?.();
    return {
      ...(adaptive ? { adaptive } : {}),
      streamId: this.options.streamId,
      output: this.options.output.kind,
      state: this.state,
      quality: this.options.quality,
      fps: round1(this.fps),
      bitrateKbps: Math.round(this.bitrateKbps),
      restarts: Math.max(0, this.runs - 1),
      inputEvents: this.inputEvents,
      startedAt: this.startedAt.toISOString(),
    };
  }

  private async prepareRun(run: number): Promise<FfmpegRunSpec> {
    this.runs = run + 1;
    await this.releaseFeed();
    const q = this.options.quality;
    let feed: CaptureFeed | undefined;
    if (this.options.devicePresent() && this.now() >= this.deviceRetryAt) {
      try {
        feed = await this.options.openFeed(q);
      } catch (error) {
        this.log.warn({ err: this.redactError(error) }, 'could not open the device feed; showing the slate');
        this.scheduleDeviceRetry();
      }
    }
    if (this.stopped) {
      await feed?.stop();
      feed = undefined;
    }
    if (feed) {
      this.currentFeed = { feed, run };
      feed.on('ended', (reason) => this.onFeedEnded(feed, reason));
      feed.on('inputChanged', () => this.onFeedInputChanged(feed));
      this.setMode('device');
      return {
        args: this.options.output.runArgs(feedRunInputs(feed), q),
        stdin: feed.stdin,
        inputPipes: feed.audioInput ? [feed.audioInput.stream] : undefined,
      };
    }
    this.setMode('slate');
    return { args: this.options.output.runArgs({ inputArgs: slateInputArgs(q, this.options.device.name), videoIsH264: false, stdin: false }, q) };
  }

  private onFeedEnded(feed: CaptureFeed, reason: string): void {
    if (this.stopped || this.currentFeed?.feed !== feed) return;
    this.log.warn({ reason }, 'device feed ended: switching to the slate');
    this.scheduleDeviceRetry();
    void this.supervisor.cycle();
  }

  /** The feed's inputs changed (a turned device is no longer passed through): the next run is built from them at once. */
  private onFeedInputChanged(feed: CaptureFeed): void {
    if (this.stopped || this.currentFeed?.feed !== feed) return;
    this.log.info({ videoIsH264: feed.videoIsH264 }, 'device feed inputs changed: rebuilding the publish run');
    void this.supervisor.cycle();
  }

  /** Try the device again after the retry delay (its source may still list it). */
  private scheduleDeviceRetry(): void {
    this.deviceRetryAt = this.now() + this.options.deviceRetryMs;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped && this.mode === 'slate' && this.options.devicePresent()) void this.supervisor.cycle();
    }, this.options.deviceRetryMs);
    this.retryTimer.unref();
  }

  private onProgress(progress: FfmpegProgress, _run: number): void {
    if (progress.fps !== undefined) this.fps = progress.fps;
    if (progress.bitrateKbps !== undefined) this.bitrateKbps = progress.bitrateKbps;
    const next = this.mode === 'device' ? 'live' : 'slate';
    if (progress.frame !== undefined && progress.frame > 0 && this.state !== next) {
      this.state = next;
      this.log.info({ state: next }, 'capture state');
      this.emit('changed');
    }
    this.emit('progress', progress, this.mode);
  }

  private onExit(exit: FfmpegRunExit): void {
    if (exit.reason === 'stopped') return;
    if (exit.reason !== 'cycled') {
      this.log.warn(
        {
          run: exit.run,
          reason: exit.reason,
          code: exit.code,
          signal: exit.signal,
          runtimeMs: exit.runtimeMs,
          stderr: exit.stderrTail.slice(-5).map((l) => this.options.output.redact(l)),
        },
        'publish run ended; restarting with backoff',
      );
      this.state = 'reconnecting';
    }
    this.fps = 0;
    this.bitrateKbps = 0;
    this.emit('restart', exit.reason);
    this.emit('changed');
  }

  private setMode(mode: CaptureMode): void {
    if (this.mode === mode) return;
    this.mode = mode;
    this.emit('changed');
  }

  private async releaseFeed(): Promise<void> {
    const current = this.currentFeed;
    this.currentFeed = undefined;
    if (current) await current.feed.stop().catch((error: unknown) => this.log.warn({ err: this.redactError(error) }, 'feed stop failed'));
  }

  private redactError(error: unknown): string {
    return this.options.output.redact(String((error as Error)?.message ?? error));
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** A feed's inputs for a publish run: its own, then its separate audio (pipe:3) when it has one. */
function feedRunInputs(feed: CaptureFeed): RunInputs {
  return { inputArgs: [...feed.inputArgs, ...(feed.audioInput?.inputArgs ?? [])], videoIsH264: feed.videoIsH264, stdin: feed.stdin !== undefined };
}
