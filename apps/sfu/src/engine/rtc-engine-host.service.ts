import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, HeartbeatService, LOGGER } from '@mediaplane/service-kit';
import type { SfuConfig } from '../sfu.config';
import { activeMemoryAllocator } from '../memory-allocator';
import { createRtcEngine, resolveEngineName } from './create-rtc-engine';
import type { RtcEngine } from './rtc-engine';

/**
 * Owns the node's one WebRTC engine: picks it (SFU_ENGINE, auto by worker
 * presence), starts it before the app serves, names it in the log and the
 * cluster view, and closes it when the app stops (after the drain ended
 * every publisher and viewer).
 */
@Injectable()
export class RtcEngineHost implements OnModuleInit, OnApplicationShutdown {
  private current?: RtcEngine;

  constructor(
    @Inject(APP_CONFIG) private readonly config: SfuConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly heartbeat: HeartbeatService,
  ) {}

  get engine(): RtcEngine {
    if (!this.current) throw new Error('the WebRTC engine is not started yet');
    return this.current;
  }

  async onModuleInit(): Promise<void> {
    const name = resolveEngineName(this.config.SFU_ENGINE);
    const log = this.logger.child({ component: 'rtc-engine', engine: name });
    this.current = await createRtcEngine(name, {
      listenIp: this.config.SFU_RTC_LISTEN_IP,
      announcedAddress: this.config.SFU_RTC_ANNOUNCED_ADDRESS ?? this.config.MEDIAPLANE_ADVERTISE_HOST,
      rtcMinPort: this.config.SFU_RTC_MIN_PORT,
      rtcMaxPort: this.config.SFU_RTC_MAX_PORT,
      workers: this.config.SFU_WORKERS,
      log: (level, fields, message) => log[level](fields, message),
    });
    const malloc = activeMemoryAllocator();
    this.heartbeat.setFact('engine', name);
    this.heartbeat.setFact('malloc', malloc);
    log.info({ choice: this.config.SFU_ENGINE, malloc, stats: this.current.stats() }, `WebRTC engine: ${name} (memory allocator: ${malloc})`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.current?.close();
  }
}
