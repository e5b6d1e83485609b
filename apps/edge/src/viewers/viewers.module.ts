import { Module } from '@nestjs/common';
import { SessionStoresModule } from '@mediaplane/service-kit';
import { MetricsModule } from '../metrics/metrics.module';
import { HlsViewerTracker } from './hls-viewer-tracker.service';

/** This edge's HLS viewer counts, shared with the cluster. */
@Module({
  imports: [MetricsModule, SessionStoresModule],
  providers: [HlsViewerTracker],
  exports: [HlsViewerTracker],
})
export class ViewersModule {}
