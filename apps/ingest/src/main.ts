import './instrument';
import { runService } from '@mediaplane/service-kit';
import { AppModule } from './app.module';
import { ingestConfigSchema } from './ingest.config';

runService({
  app: 'ingest',
  module: AppModule,
  configSchema: ingestConfigSchema,
  httpPort: (config) => config.INGEST_HTTP_PORT,
});
