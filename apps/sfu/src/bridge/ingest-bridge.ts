import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FfmpegSupervisor, type FfmpegRunExit } from '@mediaplane/media-io';
import type { Logger } from '@mediaplane/observability';
import { signRelayToken } from '@mediaplane/sessions';
import type { RtcPlainRtpOutput } from '../engine/rtc-engine';
import { ingestBridgeFfmpegArgs } from './ingest-bridge-ffmpeg-args';
import { ffmpegSdp } from './ffmpeg-sdp';
import { ingestPullUrl, type IngestTarget } from './ingest-locator';

export interface IngestBridgeOptions {
  streamId: string;
  private: boolean;
  output: RtcPlainRtpOutput;
  /** The ingest to push to, asked again before every run (the last one may be gone). */
  locate: () => Promise<IngestTarget | undefined>;
  playbackSecret: string;
  ffmpegPath?: string;
  keyframeIntervalMs: number;
  videoKbps: number;
  audioKbps: number;
  log: Logger;
  onRestart: () => void;
  /** Called once, when stop() is first called. */
  onStop: () => void;
}

const RELAY_TOKEN_TTL_MS = 60_000;
const REDACTED = '[REDACTED]';

/**
 * One WHIP stream relayed into an ingest node: the engine's plain RTP goes
 * to FFmpeg on loopback, which pushes FLV over RTMP (a relay publish with a
 * short-lived relay token, never a stream key). Supervised: a crash, a stall
 * or a lost ingest restarts it, against whichever ingest is there then.
 * `onPublishing` fires each time a run's output starts flowing, with the
 * pull URL the stream is now served at.
 */
export class IngestBridge {
  private readonly supervisor: FfmpegSupervisor;
  private keyframeTimer?: NodeJS.Timeout;
  private readonly startTimers = new Set<NodeJS.Timeout>();
  private current?: { run: number; target: IngestTarget; token: string; flowing: boolean };
  private stopped = false;

  private constructor(
    private readonly options: IngestBridgeOptions,
    private readonly dir: string,
    private readonly onPublishing: (pullUrl: string) => void,
  ) {
    this.supervisor = new FfmpegSupervisor({
      ffmpegPath: options.ffmpegPath,
      prepareRun: (run) => this.prepareRun(run),
      stallTimeoutMs: 10_000,
      startTimeoutMs: 15_000,
      backoff: { initialMs: 500, maxMs: 10_000 },
      healthyAfterMs: 20_000,
      stopGraceMs: 2000,
      shouldRestart: () => !this.stopped,
    });
  }

  static async start(options: IngestBridgeOptions, onPublishing: (pullUrl: string) => void): Promise<IngestBridge> {
    const dir = await mkdtemp(join(tmpdir(), 'mediaplane-bridge-'));
    await writeFile(join(dir, 'stream.sdp'), ffmpegSdp(options.output.streams));
    const bridge = new IngestBridge(options, dir, onPublishing);
    bridge.run();
    return bridge;
  }

  /** Runs started so far (restarts = runs - 1). */
  get runs(): number {
    return this.supervisor.runs;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.options.onStop();
    if (this.keyframeTimer) clearInterval(this.keyframeTimer);
    for (const timer of this.startTimers) clearTimeout(timer);
    this.options.output.close();
    await this.supervisor.stop();
    await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
  }

  private run(): void {
    const { output, keyframeIntervalMs, log } = this.options;
    // FFmpeg sends no PLI: keyframes come when we ask, for its probe (SPS/PPS), the ingest's GOP cache and HLS segments.
    this.keyframeTimer = setInterval(() => output.requestKeyFrame(), keyframeIntervalMs);
    this.keyframeTimer.unref();
    this.supervisor.on('spawn', () => {
      // Once FFmpeg has bound its ports: a keyframe sent before that was lost.
      for (const delay of [300, 1000]) {
        const timer = setTimeout(() => {
          this.startTimers.delete(timer);
          output.requestKeyFrame();
        }, delay);
        timer.unref();
        this.startTimers.add(timer);
      }
    });
    this.supervisor.on('progress', (progress, run) => {
      const current = this.current;
      if (!current || current.run !== run || current.flowing) return;
      if ((progress.frame ?? 0) <= 0 && (progress.outTimeUs ?? 0) <= 0) return;
      current.flowing = true;
      log.info({ ingest: current.target.instanceId, run }, 'bridge publishing to ingest');
      this.onPublishing(ingestPullUrl(current.target, this.options.streamId));
    });
    this.supervisor.on('exit', (exit) => this.logExit(exit));
    this.supervisor.on('restart', () => this.options.onRestart());
    this.supervisor.start();
  }

  private async prepareRun(run: number): Promise<{ args: string[] }> {
    const target = await this.options.locate();
    if (!target) throw new Error('no ready ingest node in the cluster view');
    const token = signRelayToken(this.options.playbackSecret, {
      streamId: this.options.streamId,
      expiresAt: new Date(Date.now() + RELAY_TOKEN_TTL_MS),
      private: this.options.private,
    });
    this.current = { run, target, token, flowing: false };
    return {
      args: ingestBridgeFfmpegArgs({
        sdpPath: join(this.dir, 'stream.sdp'),
        streams: this.options.output.streams,
        rtmpUrl: `${target.rtmpBase}/live/${token}`,
        gopSeconds: Math.max(1, Math.round(this.options.keyframeIntervalMs / 1000)),
        videoKbps: this.options.videoKbps,
        audioKbps: this.options.audioKbps,
      }),
    };
  }

  private logExit(exit: FfmpegRunExit): void {
    if (exit.reason === 'stopped') return;
    const token = this.current?.run === exit.run ? this.current.token : undefined;
    // The RTMP URL holds the relay token: FFmpeg's errors name it.
    const stderr = exit.stderrTail.slice(-5).map((line) => (token ? line.split(token).join(REDACTED) : line));
    this.options.log.warn({ run: exit.run, reason: exit.reason, code: exit.code, runtimeMs: exit.runtimeMs, stderr }, 'bridge FFmpeg exited');
  }
}
