import './start-with-v8-heap-flags';
import './instrument';
import { routeBelowExpress, runService } from '@mediaplane/service-kit';
import { AppModule } from './app.module';
import { ingestConfigSchema } from './ingest.config';
import { FlvPlaybackHandler, PLAYBACK_PATH_PREFIX } from './playback/flv-playback.handler';
import { PublishSessionsService } from './publish/publish-sessions.service';

runService({
  app: 'ingest',
  module: AppModule,
  configSchema: ingestConfigSchema,
  httpPort: (config) => config.INGEST_HTTP_PORT,
  configureHttp: (app, ctx) => {
    const playback = app.get(FlvPlaybackHandler);
    routeBelowExpress(app.getHttpServer(), PLAYBACK_PATH_PREFIX, (req, res) => playback.handle(req, res), ctx.logger);
    // Pull URLs must name the port actually bound (0 in tests means "any").
    app.getHttpServer().once('listening', () => {
      const address = app.getHttpServer().address();
      if (typeof address === 'object' && address) app.get(PublishSessionsService).setHttpPort(address.port);
    });
  },
});
