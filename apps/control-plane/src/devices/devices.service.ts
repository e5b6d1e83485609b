import {
  BadRequestException,
  ConflictException,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  captureContracts,
  inputOutsideScreen,
  type AgentDevices,
  type DeviceInputCommand,
  type DeviceView,
  type StartedCapture,
  type StoppedCapture,
} from '@mediaplane/contracts';
import { BusRequestError, type Bus } from '@mediaplane/messaging';
import { counter, type Logger, type Registry } from '@mediaplane/observability';
import { BUS, LOGGER, METRICS } from '@mediaplane/service-kit';
import { CaptureDeviceStore } from '@mediaplane/sessions';
import { PublicUrls } from '../streams/public-urls';
import { StreamsService } from '../streams/streams.service';
import { resolveQuality, type StartCaptureApiRequest } from './device.schemas';

/** Agents take a moment to open a device and their FFmpeg; the command is answered once the session exists. */
const COMMAND_TIMEOUT_MS = 10_000;

/**
 * The devices of every capture agent (from their heartbeats, expiring with
 * them) and the commands to capture them: a device publishes to its own
 * platform stream, created on its first capture and reused (with a fresh key)
 * after, so its playback URLs stay the same.
 */
@Injectable()
export class DevicesService {
  private readonly operations;

  constructor(
    private readonly store: CaptureDeviceStore,
    private readonly streams: StreamsService,
    private readonly urls: PublicUrls,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) metrics: Registry,
  ) {
    this.operations = counter(metrics, 'mediaplane_control_plane_capture_operations_total', 'Device capture API operations', ['operation', 'outcome']);
  }

  record(announcement: AgentDevices): Promise<void> {
    return this.store.record(announcement);
  }

  forgetAgent(agentId: string): Promise<void> {
    return this.store.remove(agentId);
  }

  async list(): Promise<DeviceView[]> {
    const agents = await this.store.list();
    const out: DeviceView[] = [];
    for (const agent of agents) {
      for (const { capture, present, ...device } of agent.devices) {
        out.push({
          ...device,
          agent: { id: agent.agentId, host: agent.host },
          present,
          ...(capture ? { capture: { ...capture, playback: this.urls.playback(capture.streamId) } } : {}),
        });
      }
    }
    return out.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  async get(deviceId: string): Promise<DeviceView> {
    const device = (await this.list()).find((d) => d.id === deviceId);
    if (!device) throw new NotFoundException(`device ${JSON.stringify(deviceId.slice(0, 64))} is not listed by any capture agent`);
    return device;
  }

  async startCapture(deviceId: string, request: StartCaptureApiRequest): Promise<StartedCapture> {
    const output = request.output;
    const device = await this.get(deviceId);
    if (!device.present) throw new ConflictException(`device ${deviceId} is gone; stop its capture or wait for it to return`);
    const quality = resolveQuality(request.quality, device.screen);
    const { streamId, streamKey } = await this.streamFor(device);
    const servers = this.urls.ingestServers(streamId);
    const reply = await this.command(() =>
      this.bus.request(
        captureContracts.deviceStart,
        { deviceId },
        { streamId, streamKey, output, server: output === 'rtmp' ? servers.rtmpServer : output === 'srt' ? servers.srtServer : servers.whip, quality },
        { timeoutMs: COMMAND_TIMEOUT_MS },
      ),
    );
    this.operations.inc({ operation: 'start', outcome: 'ok' });
    this.logger.info({ deviceId, streamId, output, quality, agentId: device.agent.id }, 'capture started');
    return { deviceId, streamId, output, quality, state: reply.state, playback: this.urls.playback(streamId) };
  }

  async stopCapture(deviceId: string): Promise<StoppedCapture> {
    await this.get(deviceId);
    const reply = await this.command(() => this.bus.request(captureContracts.deviceStop, { deviceId }, {}, { timeoutMs: COMMAND_TIMEOUT_MS }));
    this.operations.inc({ operation: 'stop', outcome: 'ok' });
    this.logger.info({ deviceId, streamId: reply.streamId, wasCapturing: reply.wasCapturing }, 'capture stopped');
    return { deviceId, wasCapturing: reply.wasCapturing, ...(reply.streamId ? { streamId: reply.streamId } : {}) };
  }

  async input(deviceId: string, command: DeviceInputCommand): Promise<{ ok: true }> {
    const device = await this.get(deviceId);
    if (!device.capabilities.input) throw new ConflictException(`device ${deviceId} (${device.kind}) takes no remote input`);
    if (device.screen) {
      const problems = inputOutsideScreen(command, device.screen);
      if (problems.length > 0) throw new BadRequestException(problems.join('; '));
    }
    await this.command(() => this.bus.request(captureContracts.deviceInput, { deviceId }, command, { timeoutMs: COMMAND_TIMEOUT_MS }));
    return { ok: true };
  }

  /** The device's stream with a fresh key: its earlier one (key rotated, so only this capture can publish) or a new one. */
  private async streamFor(device: DeviceView): Promise<{ streamId: string; streamKey: string }> {
    const known = await this.store.streamOf(device.id);
    if (known) {
      try {
        const rotated = await this.streams.rotateKey(known);
        return { streamId: known, streamKey: rotated.streamKey };
      } catch (error) {
        if (!(error instanceof NotFoundException)) throw error;
      }
    }
    const created = await this.streams.create({ name: `${device.name}`.slice(0, 90), private: false, record: false });
    await this.store.setStreamOf(device.id, created.id);
    return { streamId: created.id, streamKey: created.streamKey };
  }

  /** Maps an agent's answer to HTTP: its error codes (see the agent's CaptureCommandError) and silence. */
  private async command<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof BusRequestError)) throw error;
      if (error.code !== 'remote_error') throw new ServiceUnavailableException(`the device's capture agent did not answer (${error.code})`);
      const message = error.message.replace(/^.*?(unknown_device|no_input|rate_limited|not_capturing|outside_screen): /, '');
      if (/unknown_device:/.test(error.message)) throw new NotFoundException(message);
      if (/no_input:/.test(error.message)) throw new ConflictException(message);
      if (/outside_screen:/.test(error.message)) throw new BadRequestException(message);
      if (/rate_limited:/.test(error.message)) throw new HttpException(message, HttpStatus.TOO_MANY_REQUESTS);
      throw new HttpException(`the capture agent failed: ${message.slice(0, 300)}`, HttpStatus.BAD_GATEWAY);
    }
  }
}
