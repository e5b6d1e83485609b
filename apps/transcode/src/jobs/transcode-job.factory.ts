import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import type { Bus } from '@mediaplane/messaging';
import type { Logger } from '@mediaplane/observability';
import { LiveStreamStore } from '@mediaplane/sessions';
import { APP_CONFIG, BUS, INSTANCE_ID, LOGGER } from '@mediaplane/service-kit';
import type { EncoderName } from '@mediaplane/media-plan';
import { TranscodeMetrics } from '../metrics/transcode-metrics.service';
import type { TranscodeConfig } from '../transcode.config';
import { JobLeaseStore } from './job-lease-store';
import { SequenceStore } from './sequence-store';
import { TranscodeJob, type TranscodeJobInput } from './transcode-job';

/** Builds jobs with this worker's shared collaborators, so the queue only decides which job to run. */
@Injectable()
export class TranscodeJobFactory {
  constructor(
    @Inject(APP_CONFIG) private readonly config: TranscodeConfig,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(BUS) private readonly bus: Bus,
    private readonly leases: JobLeaseStore,
    private readonly sequences: SequenceStore,
    private readonly liveStore: LiveStreamStore,
    private readonly metrics: TranscodeMetrics,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  create(input: TranscodeJobInput, encoder: EncoderName): TranscodeJob {
    return new TranscodeJob(input, {
      config: this.config,
      instanceId: this.instanceId,
      logger: this.logger,
      bus: this.bus,
      leases: this.leases,
      sequences: this.sequences,
      liveStore: this.liveStore,
      metrics: this.metrics,
      encoder,
      originBaseUrl: () => this.originBaseUrl(),
    });
  }

  private originBaseUrl(): string {
    const address = (this.adapterHost.httpAdapter.getHttpServer() as Server).address();
    const port = typeof address === 'object' && address ? address.port : this.config.TRANSCODE_HTTP_PORT;
    return `http://${this.config.MEDIAPLANE_ADVERTISE_HOST}:${port}/origin/hls`;
  }
}
