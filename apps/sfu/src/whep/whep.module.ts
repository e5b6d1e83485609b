import { Module } from '@nestjs/common';
import { WhepBridgeModule } from '../bridge/whep-bridge.module';
import { LimitsModule } from '../limits/limits.module';
import { MetricsModule } from '../metrics/metrics.module';
import { StreamsModule } from '../streams/streams.module';
import { WhepController } from './whep.controller';
import { WhepService } from './whep.service';

/** WHEP play of streams published over WebRTC on this node, and of RTMP/SRT streams through their bridges. */
@Module({ imports: [WhepBridgeModule, LimitsModule, MetricsModule, StreamsModule], controllers: [WhepController], providers: [WhepService] })
export class WhepModule {}
