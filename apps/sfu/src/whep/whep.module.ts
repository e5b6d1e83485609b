import { Module } from '@nestjs/common';
import { BridgeModule } from '../bridge/bridge.module';
import { LimitsModule } from '../limits/limits.module';
import { MetricsModule } from '../metrics/metrics.module';
import { StreamsModule } from '../streams/streams.module';
import { WhepController } from './whep.controller';
import { WhepService } from './whep.service';

/** WHEP play of streams published over WebRTC on this node, and of RTMP/SRT streams through their bridges. */
@Module({ imports: [BridgeModule, LimitsModule, MetricsModule, StreamsModule], controllers: [WhepController], providers: [WhepService] })
export class WhepModule {}
