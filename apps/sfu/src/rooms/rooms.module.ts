import { Module } from '@nestjs/common';
import { EngineModule } from '../engine/engine.module';
import { LimitsModule } from '../limits/limits.module';
import { MetricsModule } from '../metrics/metrics.module';
import { RoomsGateway } from './rooms.gateway';
import { RoomsService } from './rooms.service';

/** Rooms: WebSocket signalling, many publishers and subscribers per room, a data channel relay. */
@Module({ imports: [EngineModule, LimitsModule, MetricsModule], providers: [RoomsService, RoomsGateway] })
export class RoomsModule {}
