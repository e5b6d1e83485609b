import './instrument';
import { runService } from '@mediaplane/service-kit';
import { AppModule } from './app.module';
import { transcodeConfigSchema } from './transcode.config';

runService({
  app: 'transcode',
  module: AppModule,
  configSchema: transcodeConfigSchema,
  httpPort: (config) => config.TRANSCODE_HTTP_PORT,
});
