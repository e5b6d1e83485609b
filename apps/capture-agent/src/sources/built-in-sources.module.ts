import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, INSTANCE_ID, LOGGER } from '@mediaplane/service-kit';
import type { CaptureAgentConfig } from '../capture-agent.config';
import { DeviceRegistry } from '../devices/device-registry.service';
import { DevicesModule } from '../devices/devices.module';
import { CameraSource } from './camera.source';
import { DesktopSource, pulseAudioPresent } from './desktop.source';
import { TestPatternSource } from './test-pattern.source';

/** The sources every agent has: the test pattern (unless configured off), X desktops and V4L2 cameras. */
@Module({ imports: [DevicesModule] })
export class BuiltInSourcesModule implements OnModuleInit {
  constructor(
    private readonly registry: DeviceRegistry,
    @Inject(APP_CONFIG) private readonly config: CaptureAgentConfig,
    @Inject(INSTANCE_ID) private readonly agentId: string,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    const c = this.config;
    if (c.CAPTURE_AGENT_TEST_PATTERN) this.registry.addSource(new TestPatternSource(this.agentId));
    const displays = c.CAPTURE_AGENT_DISPLAYS.length > 0 ? c.CAPTURE_AGENT_DISPLAYS : process.env['DISPLAY'] ? [process.env['DISPLAY']] : [];
    if (displays.length > 0) {
      const pulse = c.CAPTURE_AGENT_PULSE_SOURCE !== '' && pulseAudioPresent() ? c.CAPTURE_AGENT_PULSE_SOURCE : undefined;
      this.registry.addSource(
        new DesktopSource(
          { agentId: this.agentId, displays, ffprobePath: c.CAPTURE_AGENT_FFPROBE_PATH, pulseSource: pulse, intervalMs: c.CAPTURE_AGENT_DISCOVERY_MS },
          this.logger.child({ source: 'desktop' }),
        ),
      );
    }
    if (c.CAPTURE_AGENT_CAMERAS) {
      this.registry.addSource(
        new CameraSource(
          {
            agentId: this.agentId,
            v4l2Dir: c.CAPTURE_AGENT_V4L2_DIR,
            alsaCards: c.CAPTURE_AGENT_ALSA_CARDS,
            alsaDevice: c.CAPTURE_AGENT_ALSA_DEVICE,
            intervalMs: c.CAPTURE_AGENT_DISCOVERY_MS,
          },
          this.logger.child({ source: 'camera' }),
        ),
      );
    }
  }
}
