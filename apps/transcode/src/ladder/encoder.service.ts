import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, LOGGER, ReadinessService } from '@mediaplane/service-kit';
import { TranscodeMetrics } from '../metrics/transcode-metrics.service';
import type { TranscodeConfig } from '../transcode.config';
import type { EncoderName } from '@mediaplane/media-plan';
import { chooseEncoder } from './encoder-probe';

/** The H.264 encoder of this worker: configured, or probed once at start (`auto`). Not ready until known. */
@Injectable()
export class EncoderService implements OnModuleInit {
  private chosen?: EncoderName;
  private readonly pending: Promise<EncoderName>;
  private resolve!: (encoder: EncoderName) => void;

  constructor(
    @Inject(APP_CONFIG) private readonly config: TranscodeConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly readiness: ReadinessService,
    private readonly metrics: TranscodeMetrics,
  ) {
    this.pending = new Promise((resolve) => (this.resolve = resolve));
  }

  onModuleInit(): void {
    this.readiness.addCheck('encoder', () => this.chosen !== undefined);
    void this.pick().then((encoder) => {
      this.chosen = encoder;
      this.metrics.encoderInfo.set({ encoder }, 1);
      this.resolve(encoder);
    });
  }

  get(): Promise<EncoderName> {
    return this.pending;
  }

  private async pick(): Promise<EncoderName> {
    if (this.config.TRANSCODE_ENCODER !== 'auto') return this.config.TRANSCODE_ENCODER;
    const { encoder, tried } = await chooseEncoder(this.config.TRANSCODE_FFMPEG_PATH, this.config.TRANSCODE_VAAPI_DEVICE);
    this.logger.info({ encoder, tried }, 'H.264 encoder chosen');
    return encoder;
  }
}
