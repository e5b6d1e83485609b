import { Module } from '@nestjs/common';
import { DeviceRegistry } from './device-registry.service';

/** The device registry every source module registers its DeviceSource with (`registry.addSource` in onModuleInit). */
@Module({
  providers: [DeviceRegistry],
  exports: [DeviceRegistry],
})
export class DevicesModule {}
