import { Module } from '@nestjs/common';
import { AndroidModule } from './android/android.module';
import { CapturesModule } from './captures/captures.module';
import { DevicesModule } from './devices/devices.module';
import { BuiltInSourcesModule } from './sources/built-in-sources.module';

/** The capture agent: the device registry, its sources (built-in and Android), and the capture sessions that publish devices as streams. */
@Module({
  imports: [DevicesModule, BuiltInSourcesModule, AndroidModule, CapturesModule],
})
export class AppModule {}
