import { Module } from '@nestjs/common';
import { CapturesModule } from './captures/captures.module';
import { DevicesModule } from './devices/devices.module';
import { BuiltInSourcesModule } from './sources/built-in-sources.module';

/** The capture agent: the device registry, its sources, and the capture sessions that publish devices as streams. */
@Module({
  imports: [DevicesModule, BuiltInSourcesModule, CapturesModule],
})
export class AppModule {}
