import './instrument';
import { runService } from '@mediaplane/service-kit';
import { AppModule } from './app.module';
import { captureAgentConfigSchema } from './capture-agent.config';

runService({
  app: 'capture-agent',
  module: AppModule,
  configSchema: captureAgentConfigSchema,
  httpPort: (config) => config.CAPTURE_AGENT_HTTP_PORT,
});
