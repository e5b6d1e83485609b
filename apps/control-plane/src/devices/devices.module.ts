import { Module } from '@nestjs/common';
import { SessionStoresModule } from '@mediaplane/service-kit';
import { AuthModule } from '../auth/auth.module';
import { StreamsModule } from '../streams/streams.module';
import { DevicesController } from './devices.controller';
import { DevicesService } from './devices.service';

/** Capture agents' devices (from their heartbeats) and the API that starts, stops and steers their captures. */
@Module({
  imports: [AuthModule, SessionStoresModule, StreamsModule],
  controllers: [DevicesController],
  providers: [DevicesService],
})
export class DevicesModule {}
