import { Module } from '@nestjs/common';
import { EngineModule } from '../engine/engine.module';
import { LimitsModule } from '../limits/limits.module';
import { MetricsModule } from '../metrics/metrics.module';
import { StreamsModule } from '../streams/streams.module';
import { WhipAuthorizer } from './whip-authorizer.service';
import { WhipController } from './whip.controller';
import { WhipService } from './whip.service';

/** WHIP publish. */
@Module({ imports: [EngineModule, LimitsModule, MetricsModule, StreamsModule], controllers: [WhipController], providers: [WhipAuthorizer, WhipService] })
export class WhipModule {}
