import './instrument';
import { runService } from '@mediaplane/service-kit';
import { AppModule } from './app.module';
import { sfuConfigSchema } from './sfu.config';

runService({
  app: 'sfu',
  module: AppModule,
  configSchema: sfuConfigSchema,
  httpPort: (config) => config.SFU_HTTP_PORT,
});
