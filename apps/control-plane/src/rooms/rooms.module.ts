import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { RoomTokensController } from './room-tokens.controller';

/** Room tokens for the SFU's rooms. */
@Module({ imports: [AuthModule], controllers: [RoomTokensController] })
export class RoomsModule {}
