import { EventEmitter } from 'node:events';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { inputOutsideScreen, type DeviceInputCommand, type StartCaptureRequest } from '@mediaplane/contracts';
import { FfmpegSupervisor } from '@mediaplane/media-io';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, LOGGER } from '@mediaplane/service-kit';
import type { CaptureAgentConfig } from '../capture-agent.config';
import { DeviceRegistry } from '../devices/device-registry.service';
import type { DeviceInfo, DeviceInput } from '../devices/device-source';
import { CaptureMetrics } from './capture-metrics.service';
import { WhipOutput } from '../whip/whip-output';
import { IngestOutput, type CaptureOutputTarget } from './capture-output';
import { CaptureSession, type SupervisorFactory } from './capture-session';
import { InputRateLimiter } from './input-rate-limiter';

/** A command failure the control plane maps to an HTTP status (the prefix is the contract). */
export class CaptureCommandError extends Error {
  constructor(
    readonly code: 'unknown_device' | 'no_input' | 'rate_limited' | 'not_capturing' | 'outside_screen',
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/**
 * The agent's captures, keyed by device id: independent sessions, each with
 * its own FFmpeg supervisor and timers, so dozens of devices never wait on one
 * lock or loop and a crashing device process stays that device's problem.
 */
@Injectable()
export class CaptureSessions extends EventEmitter<{ changed: [] }> implements OnModuleInit, OnApplicationShutdown {
  private readonly sessions = new Map<string, CaptureSession>();
  private readonly limiter: InputRateLimiter;

  constructor(
    private readonly registry: DeviceRegistry,
    private readonly metrics: CaptureMetrics,
    @Inject(APP_CONFIG) private readonly config: CaptureAgentConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super();
    this.limiter = new InputRateLimiter(config.CAPTURE_AGENT_INPUT_RATE, config.CAPTURE_AGENT_INPUT_BURST);
  }

  onModuleInit(): void {
    this.registry.on('added', (device) => this.sessions.get(device.id)?.onDeviceBack(device));
    this.registry.on('removed', (id) => this.sessions.get(id)?.onDeviceGone());
  }

  /** Whether this agent answers for the device (listed, or capturing it while it is gone). */
  owns(deviceId: string): boolean {
    return this.registry.has(deviceId) || this.sessions.has(deviceId);
  }

  get(deviceId: string): CaptureSession | undefined {
    return this.sessions.get(deviceId);
  }

  all(): CaptureSession[] {
    return [...this.sessions.values()];
  }

  /** Starts capturing a present device; a running capture of it is replaced. */
  async start(deviceId: string, request: StartCaptureRequest, supervisor?: SupervisorFactory): Promise<{ session: CaptureSession; replaced: boolean }> {
    const entry = this.registry.get(deviceId);
    if (!entry) throw new CaptureCommandError('unknown_device', `device ${deviceId} is not present on this agent`);
    const previous = this.sessions.get(deviceId);
    if (previous) await this.stop(deviceId);
    const c = this.config;
    const session = new CaptureSession({
      device: entry.device,
      streamId: request.streamId,
      quality: request.quality,
      output: this.output(deviceId, request),
      devicePresent: () => this.registry.has(deviceId),
      openFeed: (quality) => {
        const current = this.registry.get(deviceId);
        if (!current) return Promise.reject(new Error('device not present'));
        return current.source.openCapture(deviceId, quality);
      },
      supervisor: supervisor ?? ((options) => this.supervisor(options)),
      deviceRetryMs: c.CAPTURE_AGENT_DEVICE_RETRY_MS,
      logger: this.logger,
    });
    session.on('progress', (p) => this.metrics.progress(deviceId, p.fps, p.bitrateKbps));
    session.on('restart', (reason) => this.metrics.restart(deviceId, reason));
    session.on('adapted', (change) => this.metrics.adapted(deviceId, change));
    session.on('changed', () => {
      this.metrics.setState(deviceId, session.view().state);
      this.emit('changed');
    });
    this.sessions.set(deviceId, session);
    const adaptive = session.view().adaptive;
    if (adaptive) this.metrics.adaptiveStart(deviceId, request.quality);
    this.metrics.count(this.sessions.size);
    this.metrics.setState(deviceId, 'starting');
    session.start();
    this.emit('changed');
    return { session, replaced: previous !== undefined };
  }

  async stop(deviceId: string): Promise<CaptureSession | undefined> {
    const session = this.sessions.get(deviceId);
    if (!session) return undefined;
    this.sessions.delete(deviceId);
    this.metrics.count(this.sessions.size);
    await session.stop();
    this.metrics.ended(deviceId);
    this.limiter.forget(deviceId);
    this.emit('changed');
    return session;
  }

  async input(deviceId: string, command: DeviceInputCommand): Promise<void> {
    const entry = this.registry.get(deviceId);
    if (!entry) throw new CaptureCommandError('unknown_device', `device ${deviceId} is not present on this agent`);
    const input = entry.device.capabilities.input ? entry.source.input?.(deviceId) : undefined;
    if (!input) throw new CaptureCommandError('no_input', `device ${deviceId} takes no remote input`);
    // The API checks too; the data-channel path (through the SFU) does not know the screen, so the agent checks here.
    const outside = entry.device.screen ? inputOutsideScreen(command, entry.device.screen) : [];
    if (outside.length > 0) throw new CaptureCommandError('outside_screen', outside.join('; '));
    if (!this.limiter.take(deviceId)) {
      this.metrics.input(deviceId, command.type, 'rate_limited');
      throw new CaptureCommandError('rate_limited', `too many input events for device ${deviceId}; at most ${this.config.CAPTURE_AGENT_INPUT_RATE}/s`);
    }
    try {
      await dispatchInput(input, command);
    } catch (error) {
      this.metrics.input(deviceId, command.type, 'failed');
      throw error;
    }
    this.metrics.input(deviceId, command.type, 'ok');
    this.sessions.get(deviceId)?.countInput();
  }

  /** Every device of the registry with its capture, plus captures whose device has gone (marked not present). */
  devices(): Array<DeviceInfo & { present: boolean; capture?: ReturnType<CaptureSession['view']> }> {
    const listed = this.registry.list().map((d) => ({ ...d, present: true, capture: this.sessions.get(d.id)?.view() }));
    const gone = this.all()
      .filter((s) => !this.registry.has(s.deviceId))
      .map((s) => ({ ...s.device, present: false, capture: s.view() }));
    return [...listed, ...gone];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.stop(id)));
  }

  private output(deviceId: string, request: StartCaptureRequest): CaptureOutputTarget {
    const c = this.config;
    if (request.output !== 'whip') {
      return new IngestOutput(request.output, request.server, request.streamKey, {
        allowPassthrough: c.CAPTURE_AGENT_H264_PASSTHROUGH,
        x264Preset: c.CAPTURE_AGENT_X264_PRESET,
      });
    }
    return new WhipOutput({
      url: request.server,
      streamKey: request.streamKey,
      quality: request.quality,
      allowPassthrough: c.CAPTURE_AGENT_H264_PASSTHROUGH,
      x264Preset: c.CAPTURE_AGENT_X264_PRESET,
      iceAddress: c.CAPTURE_AGENT_WHIP_ICE_ADDRESS || undefined,
      connectTimeoutMs: c.CAPTURE_AGENT_WHIP_CONNECT_TIMEOUT_MS,
      backoff: { initialMs: c.CAPTURE_AGENT_BACKOFF_INITIAL_MS, maxMs: c.CAPTURE_AGENT_BACKOFF_MAX_MS },
      adaptive: c.CAPTURE_AGENT_ADAPTIVE,
      adaptiveOptions: { upAfterMs: c.CAPTURE_AGENT_ADAPTIVE_UP_AFTER_MS },
      adaptiveSignals: c.CAPTURE_AGENT_ADAPTIVE_SIGNALS,
      keyframeOnDemand: { maxWaitMs: c.CAPTURE_AGENT_KEYFRAME_MAX_WAIT_MS, minIntervalMs: c.CAPTURE_AGENT_KEYFRAME_MIN_INTERVAL_MS },
      logger: this.logger.child({ deviceId, streamId: request.streamId }),
    });
  }

  private supervisor(options: Parameters<SupervisorFactory>[0]): FfmpegSupervisor {
    const c = this.config;
    return new FfmpegSupervisor({
      ...options,
      ffmpegPath: c.CAPTURE_AGENT_FFMPEG_PATH,
      stallTimeoutMs: c.CAPTURE_AGENT_STALL_TIMEOUT_MS,
      startTimeoutMs: c.CAPTURE_AGENT_START_TIMEOUT_MS,
      backoff: { initialMs: c.CAPTURE_AGENT_BACKOFF_INITIAL_MS, maxMs: c.CAPTURE_AGENT_BACKOFF_MAX_MS },
      healthyAfterMs: 10_000,
      stopGraceMs: 3000,
    });
  }
}

function dispatchInput(input: DeviceInput, command: DeviceInputCommand): Promise<void> {
  switch (command.type) {
    case 'tap':
      return input.tap(command.x, command.y);
    case 'swipe':
      return input.swipe(command.x1, command.y1, command.x2, command.y2, command.durationMs);
    case 'longPress':
      return input.longPress(command.x, command.y, command.durationMs);
    case 'text':
      return input.text(command.text);
    case 'key':
      return input.key(command.code);
  }
}
