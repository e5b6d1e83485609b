import './instrument';
import { LOGGER, runService } from '@mediaplane/service-kit';
import { AppModule } from './app.module';
import { authenticateAdminWrites } from './auth/admin-auth.middleware';
import { AdminAuthenticator } from './auth/admin-authenticator';
import { controlPlaneConfigSchema } from './control-plane.config';
import { setupOpenApi } from './openapi';

runService({
  app: 'control-plane',
  module: AppModule,
  configSchema: controlPlaneConfigSchema,
  httpPort: (config) => config.CONTROL_PLANE_HTTP_PORT,
  configureHttp: (app) => {
    // Mounted here, before service-kit mounts the body parsers: writes are authenticated before their body is read.
    app.use('/api/v1', authenticateAdminWrites(app.get(AdminAuthenticator), app.get(LOGGER)));
    setupOpenApi(app);
  },
});
