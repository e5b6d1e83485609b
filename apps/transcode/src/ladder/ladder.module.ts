import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { EncoderService } from './encoder.service';

/** The encoder this worker uses (probed once); planning itself is the pure `@mediaplane/media-plan`. */
@Module({ imports: [MetricsModule], providers: [EncoderService], exports: [EncoderService] })
export class LadderModule {}
