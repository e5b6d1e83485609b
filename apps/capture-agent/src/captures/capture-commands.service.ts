import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { captureContracts } from '@mediaplane/contracts';
import type { Bus, Delivery } from '@mediaplane/messaging';
import type { Logger } from '@mediaplane/observability';
import { BUS, LOGGER } from '@mediaplane/service-kit';
import { CaptureSessions } from './capture-sessions.service';

/**
 * The NATS commands `capture.v1.device.<deviceId>.{start,stop,input}`. Every agent listens without a queue group and
 * only the one that has the device answers (the others stay silent), so the control plane needs no routing table.
 * The stream key arrives in the start command and goes to FFmpeg only: it is never logged.
 */
@Injectable()
export class CaptureCommands implements OnApplicationBootstrap {
  constructor(
    private readonly sessions: CaptureSessions,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const accept = (d: Delivery) => {
      const id = d.params['deviceId'];
      return id !== undefined && this.sessions.owns(id);
    };
    this.bus.respond(
      captureContracts.deviceStart,
      async (request, d) => {
        const deviceId = d.params['deviceId'] as string;
        const { session, replaced } = await this.sessions.start(deviceId, request);
        this.logger.info({ deviceId, streamId: request.streamId, output: request.output, replaced }, 'capture started by command');
        return { streamId: session.streamId, state: session.view().state, replaced };
      },
      { queue: false, accept },
    );
    this.bus.respond(
      captureContracts.deviceStop,
      async (_request, d) => {
        const deviceId = d.params['deviceId'] as string;
        const stopped = await this.sessions.stop(deviceId);
        return stopped ? { wasCapturing: true, streamId: stopped.streamId } : { wasCapturing: false };
      },
      { queue: false, accept },
    );
    this.bus.respond(
      captureContracts.deviceInput,
      async (command, d) => {
        await this.sessions.input(d.params['deviceId'] as string, command);
        return { ok: true as const };
      },
      { queue: false, accept },
    );
  }
}
