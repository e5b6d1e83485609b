import { Module } from '@nestjs/common';
import { HlsModule } from './hls/hls.module';
import { OriginModule } from './origin/origin.module';
import { ViewersModule } from './viewers/viewers.module';

/** The edge: one feature module per capability; none depends on the order of this list. */
@Module({
  imports: [HlsModule, OriginModule, ViewersModule],
})
export class AppModule {}
