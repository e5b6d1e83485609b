import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { PeerAdmissionService } from './peer-admission.service';

@Module({ imports: [MetricsModule], providers: [PeerAdmissionService], exports: [PeerAdmissionService] })
export class LimitsModule {}
