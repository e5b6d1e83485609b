import './start-on-jemalloc';
import './instrument';
import { runService } from '@mediaplane/service-kit';
import { AppModule } from './app.module';
import { SDP_CONTENT_TYPE, TRICKLE_CONTENT_TYPE } from './http/sdp-http';
import { sfuConfigSchema } from './sfu.config';

runService({
  app: 'sfu',
  module: AppModule,
  configSchema: sfuConfigSchema,
  httpPort: (config) => config.SFU_HTTP_PORT,
  configureHttp: (app, ctx) => {
    // WHIP/WHEP bodies are SDP text; anything larger than the limit is refused (413) before it is read whole.
    app.useBodyParser('text', { type: [SDP_CONTENT_TYPE, TRICKLE_CONTENT_TYPE], limit: ctx.config.SFU_MAX_SDP_BYTES });
  },
});
