// The HTTP side of trace-propagation.int-spec.ts, run by plain Node from dist/ (with
// tools/runtime/register-paths.cjs): Jest's module sandbox hides `require` from OpenTelemetry's
// instrumentations, so only a real process shows what an app gets. Loads tracing first, as every
// app's instrument.ts does, then a Nest app whose one route makes a NATS request and logs inside it
// (and two paths that answer whether the request was bound to a context: through Express, below it).
// Prints `{"listening":<port>}` on stdout once it serves; SIGTERM flushes spans and exits.
const { startTracing, stopTracing } = require('@mediaplane/observability/tracing');

startTracing({ serviceName: 'trace-front' });

require('reflect-metadata');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { streamContracts } = require('@mediaplane/contracts');
const { Bus } = require('@mediaplane/messaging');
const { createLogger } = require('@mediaplane/observability');
const { routeBelowExpress } = require('@mediaplane/service-kit');

/** What binding to a context leaves on a request: the instrumentation patches `on` on the request and the response. */
function boundToContext(req, res) {
  return { bound: Object.hasOwn(req, 'on') || Object.hasOwn(res, 'on') };
}

async function main() {
  const logger = createLogger({ app: 'trace-front' });
  const bus = await Bus.connect(process.env.MEDIAPLANE_NATS_URL, { namespace: process.env.MEDIAPLANE_NAMESPACE, queueGroup: 'ingest', logger });

  class FrontController {
    async check() {
      logger.info('asking for a publish decision');
      const decision = await bus.request(
        streamContracts.publishAuthorize,
        {},
        { protocol: 'rtmp', keyHash: 'd'.repeat(64), remoteAddress: '127.0.0.1', node: 'front' },
      );
      logger.info({ ok: decision.ok }, 'publish decision received');
      return decision;
    }
  }
  Get('publish-check')(FrontController.prototype, 'check', Object.getOwnPropertyDescriptor(FrontController.prototype, 'check'));
  Controller()(FrontController);
  class FrontModule {}
  Module({ controllers: [FrontController] })(FrontModule);

  const app = await NestFactory.create(FrontModule, { logger: false });
  // A path the instrumentation leaves untraced, served through it (and Express), and one served below both.
  app.use('/healthz', (req, res) => res.json(boundToContext(req, res)));
  routeBelowExpress(app.getHttpServer(), '/live/', (req, res) => res.end(JSON.stringify(boundToContext(req, res))), logger);
  await app.listen(0, '127.0.0.1');
  logger.info('front listening');
  process.stdout.write(`${JSON.stringify({ listening: app.getHttpServer().address().port })}\n`);
  process.once('SIGTERM', async () => {
    await app.close();
    await bus.close();
    await stopTracing();
    logger.flush();
    setTimeout(() => process.exit(0), 50);
  });
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
