import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, LOGGER } from '@mediaplane/service-kit';
import type { CaptureAgentConfig } from '../capture-agent.config';
import { DeviceRegistry } from '../devices/device-registry.service';
import { DevicesModule } from '../devices/devices.module';
import { AndroidDeviceSource } from './android-device-source';

/** Injection token of the Android source; null when CAPTURE_AGENT_ANDROID is off. */
export const ANDROID_DEVICE_SOURCE = Symbol('ANDROID_DEVICE_SOURCE');

export function androidSourceFromConfig(config: CaptureAgentConfig, logger: Logger): AndroidDeviceSource | null {
  if (!config.CAPTURE_AGENT_ANDROID) return null;
  return new AndroidDeviceSource({
    adb: {
      host: config.CAPTURE_AGENT_ADB_HOST,
      port: config.CAPTURE_AGENT_ADB_PORT,
      startServerWith: config.CAPTURE_AGENT_ADB_START_SERVER ? config.CAPTURE_AGENT_ADB_PATH : undefined,
      commandTimeoutMs: config.CAPTURE_AGENT_ADB_COMMAND_TIMEOUT_MS,
    },
    reconnect: { initialMs: config.CAPTURE_AGENT_ADB_RECONNECT_INITIAL_MS, maxMs: config.CAPTURE_AGENT_ADB_RECONNECT_MAX_MS },
    screenrecordTimeLimitS: config.CAPTURE_AGENT_SCREENRECORD_TIME_LIMIT_S,
    screenrecordOverlapMs: config.CAPTURE_AGENT_SCREENRECORD_OVERLAP_MS,
    screencapIntervalMs: config.CAPTURE_AGENT_SCREENCAP_INTERVAL_MS,
    scrcpyJar: config.CAPTURE_AGENT_SCRCPY_JAR,
    scrcpyJarSha256: config.CAPTURE_AGENT_SCRCPY_JAR_SHA256,
    scrcpyStartTimeoutMs: config.CAPTURE_AGENT_SCRCPY_START_TIMEOUT_MS,
    logger: logger.child({ source: 'android' }),
  });
}

/**
 * Android devices through the adb server (AndroidDeviceSource), handed to the
 * device registry, which starts and stops it like every other source.
 */
@Module({
  imports: [DevicesModule],
  providers: [
    {
      provide: ANDROID_DEVICE_SOURCE,
      inject: [APP_CONFIG, LOGGER],
      useFactory: (config: CaptureAgentConfig, logger: Logger) => androidSourceFromConfig(config, logger),
    },
  ],
  exports: [ANDROID_DEVICE_SOURCE],
})
export class AndroidModule implements OnModuleInit {
  constructor(
    @Inject(ANDROID_DEVICE_SOURCE) readonly source: AndroidDeviceSource | null,
    private readonly registry: DeviceRegistry,
  ) {}

  onModuleInit(): void {
    if (this.source) this.registry.addSource(this.source);
  }
}
