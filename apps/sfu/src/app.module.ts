import { Module } from '@nestjs/common';
import { RoomsModule } from './rooms/rooms.module';
import { WhepModule } from './whep/whep.module';
import { WhipModule } from './whip/whip.module';

/** The SFU: WHIP publish, WHEP play and rooms on one WebRTC engine (EngineModule, shared by the feature modules). */
@Module({ imports: [WhipModule, WhepModule, RoomsModule] })
export class AppModule {}
