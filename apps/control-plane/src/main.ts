import './instrument';
import { runService } from '@mediaplane/service-kit';
import { AppModule } from './app.module';
import { controlPlaneConfigSchema } from './control-plane.config';
import { setupOpenApi } from './openapi';

runService({
  app: 'control-plane',
  module: AppModule,
  configSchema: controlPlaneConfigSchema,
  httpPort: (config) => config.CONTROL_PLANE_HTTP_PORT,
  configureHttp: (app) => setupOpenApi(app),
});
