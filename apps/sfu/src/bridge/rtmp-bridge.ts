import { randomInt, randomUUID } from 'node:crypto';
import { FfmpegSupervisor, type FfmpegRunExit, type FfmpegRunSpec } from '@mediaplane/media-io';
import { redactText, type Logger } from '@mediaplane/observability';
import { signPlaybackToken, type LiveStreamState, type LiveStreamStore } from '@mediaplane/sessions';
import {
  RtcUnsupportedError,
  type RtcEngine,
  type RtcPeer,
  type RtcPlainRtpReceiveResult,
  type RtcPlainRtpSource,
  type RtcProducer,
  type RtcRouter,
} from '../engine/rtc-engine';
import type { SfuConfig } from '../sfu.config';
import type { StreamViewer } from '../streams/webrtc-stream';
import { rtmpBridgeFfmpegArgs, type RtpTarget } from './rtmp-bridge-ffmpeg-args';
import { decideBridgeInput, type BridgeInput } from './bridge-input';
import { decideBridgeMode, type BridgeMode } from './bridge-mode';
import { FlvCatchUpRelay } from './flv-catch-up-relay';
import { IdleStopTimer } from './idle-stop-timer';
import { RtpCatchUpRelay } from './rtp-catch-up-relay';
import { RtpRelay } from './rtp-relay';

export type BridgeConfig = Pick<
  SfuConfig,
  | 'MEDIAPLANE_PLAYBACK_SECRET'
  | 'SFU_FFMPEG_PATH'
  | 'SFU_BRIDGE_IDLE_STOP_MS'
  | 'SFU_BRIDGE_KEYFRAME_INTERVAL_MS'
  | 'SFU_BRIDGE_VIDEO_BITRATE_KBPS'
  | 'SFU_BRIDGE_STALL_TIMEOUT_MS'
>;

export interface RtmpBridgeDeps {
  engine: RtcEngine;
  store: LiveStreamStore;
  logger: Logger;
  config: BridgeConfig;
  /** A re-encoding FFmpeg run started. */
  onReencodeStarted(): void;
  /** A viewer waited this long, from joining to the next keyframe sent to it. */
  onKeyframeWait(mode: BridgeMode, seconds: number): void;
  /** The cached GOP was replayed on the catch-up layer for a joining viewer. */
  onCatchUpReplay(): void;
  /** The bridge stopped for good (idle, source gone, failure, drain). */
  onStopped(bridge: RtmpBridge): void;
}

/** RTP numbering of the bridge's two streams; the SSRCs are random per bridge so a restarted bridge is a new source. */
const VIDEO_PT = 96;
const AUDIO_PT = 111;
/** Constrained Baseline: what re-encoding produces and what Baseline passthrough is announced as. */
const H264_PARAMETERS = { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 };

/**
 * One stream published over RTMP (or SRT) elsewhere, made playable over
 * WebRTC on this node: a router with plain-RTP producers, and one supervised
 * FFmpeg reading the ingest's internal HTTP-FLV through FlvCatchUpRelay (so
 * viewers start at live, not a GOP behind) and sending RTP to them, however
 * many viewers; its video passes RtpCatchUpRelay, which replays the current
 * GOP to each joining viewer (see catch-up-layer.ts). FFmpeg starts with the
 * bridge (the first viewer's POST) and stops SFU_BRIDGE_IDLE_STOP_MS after
 * the last viewer left.
 */
export class RtmpBridge {
  readonly id = randomUUID();
  readonly startedAt = new Date().toISOString();
  readonly viewers = new Map<string, StreamViewer>();
  readonly mode: BridgeMode;
  readonly input: BridgeInput;
  readonly isPrivate: boolean;
  router?: RtcRouter;
  producers: RtcProducer[] = [];
  private plain?: RtcPlainRtpReceiveResult;
  private relay?: FlvCatchUpRelay;
  private videoRelay?: RtpCatchUpRelay;
  private audioRelay?: RtpRelay;
  /** Where FFmpeg reads the FLV: the relay's loopback port (set by open()). */
  private relayUrl = '';
  private targets: { video?: RtpTarget; audio?: RtpTarget } = {};
  private supervisor?: FfmpegSupervisor;
  private readonly pullUrl: string;
  private readonly idle: IdleStopTimer;
  /** When each viewer still waiting for its first keyframe joined (performance.now()). */
  private keyframeWaiters: number[] = [];
  private stopping?: Promise<void>;
  private readonly log: Logger;

  constructor(
    readonly streamId: string,
    private readonly source: LiveStreamState,
    private readonly deps: RtmpBridgeDeps,
  ) {
    const input = decideBridgeInput(source.media);
    if ('unsupported' in input)
      throw new RtcUnsupportedError(`stream ${streamId} cannot be played over WebRTC: the bridge reads its ${input.unsupported} in neither FLV nor Matroska`);
    this.input = input;
    const decision = decideBridgeMode(source.media);
    this.mode = decision.mode;
    this.isPrivate = source.private;
    this.pullUrl = source.pullUrl ?? '';
    this.log = deps.logger.child({ streamId, bridge: this.id, mode: this.mode });
    this.log.info({ why: decision.why, input: input.format, copyAudio: input.copyAudio, sourceProtocol: source.protocol }, 'WebRTC bridge created');
    this.idle = new IdleStopTimer(deps.config.SFU_BRIDGE_IDLE_STOP_MS, () => void this.stop('idle'));
  }

  get isEnded(): boolean {
    return this.stopping !== undefined;
  }

  /** Builds the router and its plain-RTP producers; FFmpeg waits for the first viewer. */
  async open(): Promise<void> {
    const { media } = this.source;
    const sources: RtcPlainRtpSource[] = [];
    if (media.video)
      sources.push({
        kind: 'video',
        mimeType: 'video/H264',
        payloadType: VIDEO_PT,
        ssrc: ssrc(),
        catchUpSsrc: ssrc(),
        clockRate: 90000,
        parameters: H264_PARAMETERS,
      });
    if (media.audio) sources.push({ kind: 'audio', mimeType: 'audio/opus', payloadType: AUDIO_PT, ssrc: ssrc(), clockRate: 48000, channels: 2, rtcpMux: true });
    this.router = await this.deps.engine.createRouter(`bridge:${this.streamId}`);
    this.plain = await this.router.receivePlainRtp(sources, { label: `bridge:${this.streamId}` });
    this.producers = this.plain.inputs.map((i) => i.producer);
    for (const [i, input] of this.plain.inputs.entries()) {
      const s = sources[i] as RtcPlainRtpSource;
      const sfu = { ip: input.ip, port: input.port };
      // FFmpeg sends each stream's RTP and RTCP on one port of a relay: the video's replays the GOP to
      // joiners, and both repeat FFmpeg's sender reports so the SFU's capture times are right from the start.
      let relay: RtpCatchUpRelay | RtpRelay;
      if (s.catchUpSsrc !== undefined) {
        relay = this.videoRelay = await RtpCatchUpRelay.open({
          mimeType: s.mimeType,
          mainSsrc: s.ssrc,
          catchUpSsrc: s.catchUpSsrc,
          sfu,
          log: this.log,
          onReplay: () => this.deps.onCatchUpReplay(),
        });
      } else {
        relay = this.audioRelay = await RtpRelay.open({ ssrc: s.ssrc, ticksPerMs: s.clockRate / 1000, sfu, log: this.log });
      }
      const to = relay.senderTarget;
      this.targets[s.kind] = { ip: to.ip, port: to.port, rtcpPort: to.rtcpPort, payloadType: s.payloadType, ssrc: s.ssrc };
    }
    this.producers.find((p) => p.kind === 'video')?.on('keyframe', () => this.onKeyframe());
    // The engine closed them (its worker died): viewers reconnect and get a new bridge.
    for (const producer of this.producers) producer.once('closed', () => void this.stop('failed'));
    this.relay = new FlvCatchUpRelay(() => this.signedPullUrl(), this.log, this.input.format);
    this.relayUrl = await this.relay.listen();
    // Nobody may ever attach (the first viewer's negotiation failed): stop after the idle delay then.
    this.idle.arm();
    // FFmpeg starts now, while the first viewer's ICE and DTLS run: the relay keeps the GOP it sends
    // and replays it when the viewer's consumer asks for a keyframe.
    this.ensureFfmpeg();
  }

  addViewer(peer: RtcPeer): StreamViewer {
    const viewer = { id: randomUUID(), peer };
    this.viewers.set(viewer.id, viewer);
    this.idle.enter();
    if (this.targets.video) this.keyframeWaiters.push(performance.now());
    peer.once('closed', () => {
      if (!this.viewers.delete(viewer.id)) return;
      this.idle.leave();
    });
    // Its consumer starts on the catch-up layer, waiting for a keyframe: once the viewer can receive
    // (media before its DTLS is up is dropped), the relay replays the current GOP there.
    const onState = (state: string) => {
      if (state !== 'connected') return;
      peer.off('connectionstatechange', onState);
      this.videoRelay?.replayForJoiner();
    };
    if (peer.connectionState === 'connected') onState('connected');
    else peer.on('connectionstatechange', onState);
    return viewer;
  }

  /** Stops once: FFmpeg, the viewers, the producers and the router. */
  stop(reason: 'idle' | 'source_ended' | 'failed' | 'shutdown'): Promise<void> {
    // Deferred a tick, so a stop() re-entered from FFmpeg's 'done' (below) finds this one under way.
    this.stopping ??= Promise.resolve().then(async () => {
      this.idle.cancel();
      this.keyframeWaiters = [];
      for (const viewer of this.viewers.values()) viewer.peer.close();
      await this.supervisor?.stop().catch((error: unknown) => this.log.warn({ err: error }, 'ffmpeg stop failed'));
      this.relay?.close();
      this.videoRelay?.close();
      this.audioRelay?.close();
      this.plain?.close();
      this.router?.close();
      this.log.info({ reason, runs: this.supervisor?.runs ?? 0 }, 'WebRTC bridge stopped');
      this.deps.onStopped(this);
    });
    return this.stopping;
  }

  private ensureFfmpeg(): void {
    if (this.supervisor || this.isEnded) return;
    const { config } = this.deps;
    this.supervisor = new FfmpegSupervisor({
      ffmpegPath: config.SFU_FFMPEG_PATH,
      prepareRun: () => this.prepareRun(),
      stallTimeoutMs: config.SFU_BRIDGE_STALL_TIMEOUT_MS,
      startTimeoutMs: config.SFU_BRIDGE_STALL_TIMEOUT_MS,
      stopGraceMs: 2000,
      shouldRestart: (exit) => this.shouldRestart(exit),
    });
    this.supervisor.on('spawn', ({ run, pid }) => {
      this.log.debug({ run, pid }, 'bridge ffmpeg started');
      if (this.mode === 'reencode') this.deps.onReencodeStarted();
    });
    this.supervisor.on('done', () => void this.stop('failed'));
    this.supervisor.start();
  }

  private prepareRun(): FfmpegRunSpec {
    const { config } = this.deps;
    return {
      args: rtmpBridgeFfmpegArgs({
        inputUrl: this.relayUrl,
        inputFormat: this.input.format,
        copyAudio: this.input.copyAudio,
        mode: this.mode,
        ...this.targets,
        keyframeIntervalMs: config.SFU_BRIDGE_KEYFRAME_INTERVAL_MS,
        videoBitrateKbps: config.SFU_BRIDGE_VIDEO_BITRATE_KBPS,
        inputTimeoutMs: config.SFU_BRIDGE_STALL_TIMEOUT_MS,
        startedAtMs: Date.now(),
      }),
    };
  }

  /** The ingest's internal HTTP-FLV with a fresh internal token (the relay asks once per FFmpeg run). */
  private signedPullUrl(): string {
    const url = new URL(this.pullUrl);
    url.searchParams.set('token', signPlaybackToken(this.deps.config.MEDIAPLANE_PLAYBACK_SECRET, this.streamId, new Date(Date.now() + 60_000), 'internal'));
    return url.toString();
  }

  /**
   * Never restarts: the bridge ends with its FFmpeg, closing its viewers, who
   * reconnect to a fresh bridge. A second FFmpeg run would send the same SSRCs
   * with new sequence numbers and timestamps (FFmpeg picks them at random), and
   * the viewers' pictures stayed frozen (measured: no frame decoded in the 6 s
   * after a killed FFmpeg was restarted) — a frozen stream that looks alive is
   * worse than a clean disconnect.
   */
  private async shouldRestart(exit: FfmpegRunExit): Promise<boolean> {
    if (this.isEnded) return false;
    this.log[exit.reason === 'ended' ? 'info' : 'warn'](
      { run: exit.run, reason: exit.reason, code: exit.code, runtimeMs: exit.runtimeMs, stderr: exit.stderrTail.slice(-6).map(redactText) },
      'bridge ffmpeg exited',
    );
    const state = await this.deps.store.get(this.streamId).catch(() => undefined);
    const live = state !== undefined && state.sessionId === this.source.sessionId;
    void this.stop(live ? 'failed' : 'source_ended');
    return false;
  }

  private onKeyframe(): void {
    if (this.keyframeWaiters.length === 0) return;
    const now = performance.now();
    for (const joinedAt of this.keyframeWaiters) this.deps.onKeyframeWait(this.mode, (now - joinedAt) / 1000);
    this.keyframeWaiters = [];
  }
}

/** A stream the bridge can play: published on an ingest node (not WHIP) that serves it as HTTP-FLV. */
export function isBridgeable(state: LiveStreamState): boolean {
  return state.protocol !== 'whip' && state.pullUrl !== undefined;
}

/** FFmpeg's `-ssrc` is a signed 32-bit option: stay below 2^31. */
function ssrc(): number {
  return randomInt(1, 0x7fffffff);
}
