import { Module } from '@nestjs/common';
import { SessionStoresModule } from '@mediaplane/service-kit';
import { EngineModule } from '../engine/engine.module';
import { MetricsModule } from '../metrics/metrics.module';
import { BridgesService } from './bridges.service';

/** RTMP/SRT streams played over WHEP: one FFmpeg bridge per watched stream (FLV from ingest → plain RTP into the engine). */
@Module({ imports: [EngineModule, MetricsModule, SessionStoresModule], providers: [BridgesService], exports: [BridgesService] })
export class WhepBridgeModule {}
