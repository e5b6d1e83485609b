import { Module } from '@nestjs/common';
import { HlsModule } from '../hls/hls.module';
import { InternalTokenGuard } from './internal-token.guard';
import { OriginController } from './origin.controller';

/** The internal HLS origin edges fetch playlists, segments and thumbnails from. */
@Module({ imports: [HlsModule], controllers: [OriginController], providers: [InternalTokenGuard] })
export class OriginModule {}
