import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { CaptureCommands } from './capture-commands.service';
import { CaptureMetrics } from './capture-metrics.service';
import { CaptureSessions } from './capture-sessions.service';
import { DeviceAnnouncer } from './device-announcer.service';

/** Capture sessions per device, their NATS commands, metrics and the device announcements to the control plane. */
@Module({
  imports: [DevicesModule],
  providers: [CaptureSessions, CaptureMetrics, CaptureCommands, DeviceAnnouncer],
  exports: [CaptureSessions],
})
export class CapturesModule {}
