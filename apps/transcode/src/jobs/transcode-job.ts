import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { transcodeContracts, type HlsOrigin, type Rendition } from '@mediaplane/contracts';
import { FfmpegSupervisor, type FfmpegProgress, type FfmpegRunExit, type FfmpegRunSpec } from '@mediaplane/media-io';
import type { Bus } from '@mediaplane/messaging';
import { redactText, type Logger } from '@mediaplane/observability';
import { signPlaybackToken, type LiveStreamStore } from '@mediaplane/sessions';
import {
  buildLadderArgs,
  localSegmentIndex,
  parseSegmentListLine,
  renderMasterPlaylist,
  type EncoderName,
  type LadderPlan,
  type PlannedRendition,
  type SourceMedia,
} from '@mediaplane/media-plan';
import { RenditionTrack } from '../hls/rendition-track';
import { probeSegmentCodecString } from '../ladder/source-probe';
import type { TranscodeMetrics } from '../metrics/transcode-metrics.service';
import type { TranscodeConfig } from '../transcode.config';
import type { JobLeaseStore } from './job-lease-store';
import type { JobSettings } from './job-settings';
import type { SequenceStore } from './sequence-store';

/**
 * How a job finished, which decides what happens to its JetStream message:
 * `ended` → ack (the stream is over); `released` → nak (hand it to another
 * worker now, e.g. on drain); `lost` → nothing (another worker holds it);
 * `failed` → nak with a delay.
 */
export type JobOutcome = 'ended' | 'released' | 'lost' | 'failed';

export interface TranscodeJobDeps {
  config: TranscodeConfig;
  instanceId: string;
  logger: Logger;
  bus: Bus;
  leases: JobLeaseStore;
  sequences: SequenceStore;
  liveStore: LiveStreamStore;
  metrics: TranscodeMetrics;
  encoder: EncoderName;
  /** `http://<advertised host>:<port>/origin/hls`, read when the origin entry is first written. */
  originBaseUrl: () => string;
}

export interface TranscodeJobInput {
  streamId: string;
  sessionId: string;
  /** Internal FLV URL of the ingest node holding the stream (without token). */
  pullUrl: string;
  delivery: number;
  settings: JobSettings;
  source: SourceMedia;
  plan: LadderPlan;
  /** Per-instance work folder. */
  workDir: string;
}

interface RunState {
  run: number;
  fdToRendition: Map<number, string>;
  /** Wall-clock ms of output time 0, estimated from progress until the run's first segment. */
  anchorMs?: number;
  frozen: boolean;
  outTimeUs: number;
  recordingPath?: string;
}

type JobState = 'starting' | 'producing' | 'ending' | 'lingering' | 'closed';

/**
 * One stream on one worker: a supervised FFmpeg ladder, the playlists built
 * from the segments it reports, the lease and origin entry that tell the
 * cluster (and edges) who produces the stream, recordings, and the end of it
 * all. See apps/transcode/README.md for the lifecycle.
 */
export class TranscodeJob {
  readonly epoch = randomBytes(3).toString('hex');
  readonly streamId: string;
  readonly sessionId: string;
  private readonly token = randomUUID();
  private readonly dir: string;
  private readonly tracks = new Map<string, RenditionTrack>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly runs = new Map<number, RunState>();
  /** CODECS learnt from the passthrough's first segment when ingest did not report the source's codec string. */
  private readonly codecsOverride = new Map<string, string>();
  private readonly log: Logger;
  private supervisor?: FfmpegSupervisor;
  private state: JobState = 'starting';
  private announced = false;
  private firstEncodedReadyAt?: number;
  private timer?: NodeJS.Timeout;
  private ticks = 0;
  private liveMisses = 0;
  private resolveOutcome!: (outcome: JobOutcome) => void;
  private resolveClosed!: () => void;
  /** Settles when the JetStream message can be acked/nakked. */
  readonly outcome: Promise<JobOutcome>;
  /** Settles when the job no longer serves anything (after the linger period). */
  readonly closed: Promise<void>;

  constructor(
    private readonly input: TranscodeJobInput,
    private readonly deps: TranscodeJobDeps,
  ) {
    this.streamId = input.streamId;
    this.sessionId = input.sessionId;
    this.dir = join(input.workDir, `${input.streamId}-${this.epoch}`);
    this.log = deps.logger.child({ streamId: input.streamId, sessionId: input.sessionId, epoch: this.epoch });
    this.outcome = new Promise((resolve) => (this.resolveOutcome = resolve));
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  get isProducing(): boolean {
    return this.state === 'starting' || this.state === 'producing';
  }

  get plan(): LadderPlan {
    return this.input.plan;
  }

  /** Takes the lease, continues the stream's numbering, and starts FFmpeg. Throws (having cleaned up) if that cannot be done. */
  async start(): Promise<void> {
    try {
      await this.prepare();
    } catch (error) {
      this.state = 'closed';
      await this.deps.leases.release(this.streamId, this.token).catch(() => undefined);
      await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
      throw error;
    }
    this.launch();
  }

  private async prepare(): Promise<void> {
    const { config } = this.deps;
    await this.deps.leases.take(
      this.streamId,
      { worker: this.deps.instanceId, sessionId: this.sessionId, token: this.token, delivery: this.input.delivery },
      config.TRANSCODE_ORIGIN_TTL_MS,
    );
    const sequence = await this.deps.sequences.begin(this.streamId);
    for (const r of this.input.plan.renditions) {
      await mkdir(join(this.dir, r.name), { recursive: true });
      const track = new RenditionTrack({
        window: config.TRANSCODE_HLS_WINDOW,
        segmentSeconds: this.input.plan.segmentSeconds,
        discontinuitySequence: sequence.discontinuitySequence,
        continuing: sequence.continuing,
      });
      track.runBase = sequence.firstMsn;
      this.tracks.set(r.name, track);
    }
    if (this.input.settings.record) await mkdir(join(config.TRANSCODE_RECORDINGS_DIR, this.streamId), { recursive: true });
    this.log.info(
      {
        renditions: this.input.plan.renditions.map((r) => `${r.name}:${r.width}x${r.height}`),
        encoder: this.deps.encoder,
        firstMsn: sequence.firstMsn,
        takeover: sequence.continuing,
        record: this.input.settings.record,
        settingsFrom: this.input.settings.from,
      },
      'transcode job started',
    );
  }

  private launch(): void {
    const { config } = this.deps;
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
    this.supervisor.on('progress', (p, run) => this.onProgress(run, p));
    this.supervisor.on('line', (fd, line, run) => this.onSegmentLine(run, fd, line));
    this.supervisor.on('done', () => {
      // FFmpeg will not run again while we still meant to produce: the job cannot go on here.
      if (this.isProducing) void this.abandon('failed');
    });
    this.state = 'producing';
    this.deps.metrics.startStream(this.streamId);
    this.supervisor.start();
    const period = Math.min(2000, Math.max(300, Math.floor(config.TRANSCODE_JOB_ACK_WAIT_MS / 3)));
    this.timer = setInterval(() => void this.tick(), period);
    this.timer.unref();
  }

  /** The publisher left: finish the playlists with ENDLIST, announce recordings, keep serving for the linger period. */
  async end(reason: string): Promise<void> {
    if (!this.isProducing) return;
    this.state = 'ending';
    this.stopTimer();
    this.log.info({ reason }, 'stream ended; finishing the job');
    await this.supervisor?.stop();
    await Promise.all(this.chains.values());
    for (const track of this.tracks.values()) track.playlist.end();
    const linger = this.deps.config.TRANSCODE_END_LINGER_MS;
    if (this.announced)
      await this.deps.leases.refresh(this.streamId, this.token, linger + 5000, { record: this.originRecord(false), ttlMs: linger + 5000 }).catch(() => false);
    await this.deps.leases.release(this.streamId, this.token).catch(() => undefined);
    await this.announceRecordings();
    await this.publishEnded('stream_ended');
    this.state = 'lingering';
    this.resolveOutcome('ended');
    setTimeout(() => void this.close(true), linger).unref();
  }

  /**
   * Stops producing without ending the stream: `released` hands the job back
   * (drain), `lost` means another worker took it over, `failed` that FFmpeg
   * cannot run here.
   */
  async abandon(outcome: Exclude<JobOutcome, 'ended'>): Promise<void> {
    if (!this.isProducing) return;
    this.state = 'ending';
    this.stopTimer();
    this.log.warn({ outcome }, outcome === 'lost' ? 'another worker holds this stream now; stopping' : 'handing the job back');
    await this.supervisor?.stop();
    await Promise.all(this.chains.values());
    if (outcome !== 'lost') await this.deps.leases.release(this.streamId, this.token).catch(() => undefined);
    await this.announceRecordings();
    await this.publishEnded(outcome === 'failed' ? 'failed' : 'released');
    this.resolveOutcome(outcome);
    await this.close(false);
  }

  /**
   * Drain: the job message has been handed back; keep producing until the
   * worker that takes it over holds the lease (our next refresh fails) or
   * the drain deadline is near, so viewers see as short a gap as possible.
   */
  async handOver(deadline: number): Promise<void> {
    const stopAt = deadline - 2500;
    while (this.isProducing && Date.now() < stopAt) await new Promise((resolve) => setTimeout(resolve, 200));
    await this.abandon('released');
    await this.outcome;
  }

  // ---- origin access (internal HTTP) ----

  masterPlaylist(): string | undefined {
    if (!this.announced) return undefined;
    return renderMasterPlaylist(
      this.renditions().map((r) => ({
        uri: `${r.name}/index.m3u8`,
        bandwidth: r.bandwidth,
        averageBandwidth: this.averageBandwidth(r.name),
        width: r.width,
        height: r.height,
        codecs: r.codecs,
        frameRate: r.frameRate,
      })),
    );
  }

  mediaPlaylist(rendition: string): string | undefined {
    const track = this.tracks.get(rendition);
    return track && track.playlist.size > 0 ? track.playlist.render() : undefined;
  }

  segmentFile(rendition: string, uri: string): string | undefined {
    return this.tracks.get(rendition)?.fileOf(uri);
  }

  thumbnailFile(): string {
    return join(this.dir, 'thumbnail.jpg');
  }

  // ---- internals ----

  private prepareRun(run: number): FfmpegRunSpec {
    const { config } = this.deps;
    const base = Math.max(...[...this.tracks.values()].map((t) => t.nextMsn));
    for (const track of this.tracks.values()) {
      track.runBase = base;
      if (run > 0) track.pendingDiscontinuity = true;
    }
    if (run > 0) void this.deps.sequences.addDiscontinuity(this.streamId).catch(() => undefined);
    const pull = new URL(this.input.pullUrl);
    pull.searchParams.set('token', signPlaybackToken(config.MEDIAPLANE_PLAYBACK_SECRET, this.streamId, new Date(Date.now() + 10 * 60_000), 'internal'));
    const recordingPath = this.input.settings.record
      ? join(
          config.TRANSCODE_RECORDINGS_DIR,
          this.streamId,
          `${new Date()
            .toISOString()
            .replace(/[-:]/g, '')
            .replace(/\.\d+Z$/, 'Z')}-${this.epoch}-r${run}.ts`,
        )
      : undefined;
    const built = buildLadderArgs({
      inputUrl: pull.toString(),
      plan: this.input.plan,
      source: this.input.source,
      encoder: this.deps.encoder,
      vaapiDevice: config.TRANSCODE_VAAPI_DEVICE,
      segmentPattern: (r) => join(this.dir, r.name, `r${run}-%d.ts`),
      thumbnail: { path: this.thumbnailFile(), intervalSeconds: config.TRANSCODE_THUMBNAIL_INTERVAL_S },
      recordingPath,
      inputTimeoutMs: Math.min(config.TRANSCODE_STALL_TIMEOUT_MS, 10_000),
    });
    this.runs.set(run, { run, fdToRendition: new Map([...built.segmentListFd].map(([name, fd]) => [fd, name])), frozen: false, outTimeUs: 0, recordingPath });
    return { args: built.args, outputPipes: built.outputPipes };
  }

  private onProgress(run: number, p: FfmpegProgress): void {
    this.deps.metrics.progress(this.streamId, run, p);
    const outTimeUs = p.outTimeUs;
    const state = this.runs.get(run);
    if (!state || outTimeUs === undefined) return;
    state.outTimeUs = Math.max(state.outTimeUs, outTimeUs);
    if (state.frozen) return;
    // The earliest (wall - media) offset is the best estimate of when media time 0 was live:
    // the ingest GOP cache arrives as a burst, so later reports lag behind by the processing delay.
    const candidate = Date.now() - outTimeUs / 1000;
    state.anchorMs = state.anchorMs === undefined ? candidate : Math.min(state.anchorMs, candidate);
  }

  private onSegmentLine(run: number, fd: number, line: string): void {
    const state = this.runs.get(run);
    const name = state?.fdToRendition.get(fd);
    const entry = parseSegmentListLine(line);
    const track = name ? this.tracks.get(name) : undefined;
    if (!state || !name || !track || !entry) {
      this.log.warn({ fd, line: line.slice(0, 200) }, 'ignored an unexpected segment list line');
      return;
    }
    // Appends happen in order per rendition, after the file's size is known.
    const previous = this.chains.get(name) ?? Promise.resolve();
    const next = previous.then(async () => {
      const path = join(this.dir, name, entry.file);
      const bytes = await stat(path).then(
        (s) => s.size,
        () => 0,
      );
      if (bytes === 0) return;
      await this.learnPassthroughCodecs(name, path);
      if (state.anchorMs === undefined) state.anchorMs = Date.now() - entry.endSeconds * 1000;
      state.frozen = true;
      const local = localSegmentIndex(entry.file) ?? 0;
      const msn = Math.max(track.runBase + local, track.nextMsn);
      track.add(
        {
          msn,
          uri: `s${msn}-${this.epoch}.ts`,
          durationSeconds: Math.max(0.001, entry.endSeconds - entry.startSeconds),
          programDateTime: new Date(Math.round(state.anchorMs + entry.startSeconds * 1000)),
          bytes,
        },
        path,
      );
      this.deps.metrics.segment(this.streamId, name);
      await this.deps.sequences.advance(this.streamId, msn + 1).catch(() => undefined);
      await this.maybeAnnounce();
    });
    this.chains.set(
      name,
      next.catch((error: unknown) => this.log.warn({ err: error, rendition: name }, 'segment bookkeeping failed')),
    );
  }

  private async learnPassthroughCodecs(name: string, file: string): Promise<void> {
    const planned = this.input.plan.renditions.find((r) => r.name === name);
    if (planned?.mode !== 'copy' || this.input.source.videoCodecString || this.codecsOverride.has(name)) return;
    const video = await probeSegmentCodecString(this.deps.config.TRANSCODE_FFPROBE_PATH, file);
    const audio = planned.codecs.split(',').slice(1);
    this.codecsOverride.set(name, video ? [video, ...audio].join(',') : planned.codecs);
  }

  /** Publishes the origin entry once every rendition has a segment (encoded ones at least, after a grace). */
  private async maybeAnnounce(): Promise<void> {
    if (this.announced || !this.isProducing) return;
    const planned = this.input.plan.renditions;
    const has = (r: PlannedRendition) => (this.tracks.get(r.name)?.playlist.size ?? 0) > 0;
    const encodedReady = planned.filter((r) => r.mode === 'encode').every(has);
    if (!encodedReady) return;
    this.firstEncodedReadyAt ??= Date.now();
    // A passthrough with a long source GOP may lag; it must not hold the whole stream back for long.
    const graceOver = Date.now() - this.firstEncodedReadyAt >= this.input.plan.segmentSeconds * 2000;
    if (!planned.every(has) && !graceOver) return;
    const ok = await this.deps.leases.refresh(this.streamId, this.token, this.deps.config.TRANSCODE_ORIGIN_TTL_MS, {
      record: this.originRecord(true),
      ttlMs: this.deps.config.TRANSCODE_ORIGIN_TTL_MS,
    });
    if (!ok) {
      void this.abandon('lost');
      return;
    }
    this.announced = true;
    this.log.info({ origin: this.originRecord(true).baseUrl }, 'HLS origin ready');
    await this.deps.bus
      .publish(
        transcodeContracts.renditionReady,
        { streamId: this.streamId },
        { streamId: this.streamId, origin: this.deps.instanceId, renditions: this.renditions(), at: new Date().toISOString() },
        { msgId: `rendition-${this.streamId}-${this.epoch}` },
      )
      .catch((error: unknown) => this.log.warn({ err: error }, 'renditionReady not published'));
  }

  /** Renditions as announced: planned figures, with BANDWIDTH raised to the measured peak. */
  private renditions(): Rendition[] {
    return this.input.plan.renditions
      .filter((r) => (this.tracks.get(r.name)?.playlist.size ?? 0) > 0)
      .map((r) => ({
        name: r.name,
        width: r.width,
        height: r.height,
        bandwidth: Math.ceil(Math.max(r.bandwidth, this.tracks.get(r.name)?.playlist.peakBitrate() ?? 0)),
        codecs: this.codecsOverride.get(r.name) ?? r.codecs,
        frameRate: r.frameRate,
      }));
  }

  private averageBandwidth(name: string): number | undefined {
    const planned = this.input.plan.renditions.find((r) => r.name === name);
    const segments = this.tracks.get(name)?.playlist.list() ?? [];
    const seconds = segments.reduce((s, x) => s + x.durationSeconds, 0);
    const measured = seconds >= 2 ? (segments.reduce((s, x) => s + x.bytes, 0) * 8) / seconds : undefined;
    return planned?.mode === 'copy' && measured ? Math.ceil(measured) : planned?.averageBandwidth;
  }

  private originRecord(live: boolean): HlsOrigin {
    return {
      streamId: this.streamId,
      sessionId: this.sessionId,
      worker: this.deps.instanceId,
      baseUrl: `${this.deps.originBaseUrl()}/${this.streamId}`,
      renditions: this.renditions(),
      private: this.input.settings.private,
      segmentSeconds: this.input.plan.segmentSeconds,
      live,
      updatedAt: new Date().toISOString(),
    };
  }

  private async tick(): Promise<void> {
    if (!this.isProducing) return;
    this.ticks++;
    const { config } = this.deps;
    try {
      const ok = await this.deps.leases.refresh(
        this.streamId,
        this.token,
        config.TRANSCODE_ORIGIN_TTL_MS,
        this.announced ? { record: this.originRecord(true), ttlMs: config.TRANSCODE_ORIGIN_TTL_MS } : undefined,
      );
      if (!ok && this.isProducing) return void this.abandon('lost');
    } catch (error) {
      this.log.warn({ err: error }, 'lease refresh failed (Redis); will retry');
    }
    if (this.ticks % 2 === 0 && this.isProducing) {
      const live = await this.stillLive().catch(() => true);
      this.liveMisses = live ? 0 : this.liveMisses + 1;
      // Two misses in a row: the stream's live entry is gone or belongs to a newer session.
      if (this.liveMisses >= 2) void this.end('live_state_gone');
    }
  }

  private async stillLive(): Promise<boolean> {
    const state = await this.deps.liveStore.get(this.streamId);
    return state !== undefined && state.sessionId === this.sessionId;
  }

  private async shouldRestart(exit: FfmpegRunExit): Promise<boolean> {
    if (!this.isProducing) return false;
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
      const live = await this.stillLive().catch(() => true);
      if (!live) {
        void this.end('input_ended');
        return false;
      }
    }
    this.deps.metrics.restart(this.streamId, exit.reason);
    return true;
  }

  private async announceRecordings(): Promise<void> {
    const root = this.deps.config.TRANSCODE_RECORDINGS_DIR;
    for (const run of this.runs.values()) {
      if (!run.recordingPath) continue;
      const bytes = await stat(run.recordingPath).then(
        (s) => s.size,
        () => 0,
      );
      if (bytes === 0) continue;
      await this.deps.bus
        .publish(
          transcodeContracts.recordingReady,
          { streamId: this.streamId },
          {
            streamId: this.streamId,
            origin: this.deps.instanceId,
            file: relative(root, run.recordingPath),
            durationSeconds: run.outTimeUs / 1e6,
            bytes,
            at: new Date().toISOString(),
          },
          { msgId: `recording-${this.streamId}-${this.epoch}-${run.run}` },
        )
        .catch((error: unknown) => this.log.warn({ err: error }, 'recordingReady not published'));
    }
  }

  private async publishEnded(reason: 'stream_ended' | 'released' | 'failed'): Promise<void> {
    await this.deps.bus
      .publish(
        transcodeContracts.jobEnded,
        { streamId: this.streamId },
        { streamId: this.streamId, sessionId: this.sessionId, worker: this.deps.instanceId, reason, at: new Date().toISOString() },
      )
      .catch(() => undefined);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async close(removeOrigin: boolean): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (removeOrigin) await this.deps.leases.removeOrigin(this.streamId, this.deps.instanceId, this.sessionId).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
    this.deps.metrics.forget(this.streamId);
    this.resolveClosed();
  }
}
