import './instrument';
import { runService } from '@mediaplane/service-kit';
import { AppModule } from './app.module';
import { edgeConfigSchema } from './edge.config';

runService({
  app: 'edge',
  module: AppModule,
  configSchema: edgeConfigSchema,
  httpPort: (config) => config.EDGE_HTTP_PORT,
});
