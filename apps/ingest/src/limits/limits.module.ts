import { Module } from '@nestjs/common';
import { ObservabilityModule } from '../observability/observability.module';
import { MediaConnectionsService } from './media-connections.service';

/** Connection limits per listener and per address for RTMP, RTMPS, HTTP-FLV and WS-FLV. */
@Module({
  imports: [ObservabilityModule],
  providers: [MediaConnectionsService],
  exports: [MediaConnectionsService],
})
export class LimitsModule {}
