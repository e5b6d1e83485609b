import { Module } from '@nestjs/common';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { RoomTokensController } from './room-tokens.controller';

/** Room tokens for the SFU's rooms. */
@Module({ controllers: [RoomTokensController], providers: [AdminTokenGuard] })
export class RoomsModule {}
