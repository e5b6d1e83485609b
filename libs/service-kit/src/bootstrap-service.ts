import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { Module, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Redis } from 'ioredis';
import type { z } from 'zod';
import type { AppName } from '@mediaplane/contracts';
import { ConfigError, loadConfig, type CommonConfig } from '@mediaplane/config';
import { Bus, BusTransportStrategy } from '@mediaplane/messaging';
import { PinoNestLogger, createLogger, createMetricsRegistry, stopTracing } from '@mediaplane/observability';
import { HeartbeatService } from './heartbeat.service';
import { JsonExceptionFilter } from './http-exception.filter';
import { ReadinessService } from './readiness.service';
import { securityHeaders } from './security-headers';
import { ServiceKitModule } from './service-kit.module';
import { ShutdownService } from './shutdown.service';
import type { ServiceContext } from './service-context';

export interface ServiceDefinition<S extends z.ZodObject> {
  app: AppName;
  /** The app's root module; it can inject everything ServiceKitModule exports. */
  module: Type;
  /** The app's environment schema (extends the common one). */
  configSchema: S;
  /** Picks the HTTP port out of the app's config. */
  httpPort: (config: z.infer<S>) => number;
  /**
   * Extra HTTP setup (CORS, static files, Swagger) before listening. It runs
   * after the security headers and BEFORE the JSON and urlencoded body
   * parsers are mounted, so a middleware added here with `app.use` (e.g.
   * authentication) sees requests whose body has not been read.
   */
  configureHttp?: (app: NestExpressApplication, ctx: ServiceContext<z.infer<S> & CommonConfig>) => void | Promise<void>;
  env?: Record<string, string | undefined>;
}

export interface RunningService {
  app: INestApplication;
  ctx: ServiceContext;
  httpPort: number;
  shutdown(signal?: string): Promise<void>;
}

/**
 * Boots one app instance: validated config, logger, metrics, NATS bus (with
 * JetStream set up), Redis, Nest hybrid app (HTTP + Bus transport), health
 * routes, heartbeats, and a graceful SIGTERM drain that exits 0.
 */
export async function bootstrapService<S extends z.ZodObject>(def: ServiceDefinition<S>): Promise<RunningService> {
  const env = def.env ?? process.env;
  let config: z.infer<S> & CommonConfig;
  try {
    config = loadConfig(def.configSchema, env) as z.infer<S> & CommonConfig;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${JSON.stringify({ level: 'fatal', app: def.app, msg: error.message, problems: error.problems })}\n`);
      process.exit(78); // EX_CONFIG: the environment, not the code, is wrong.
    }
    throw error;
  }

  const instanceId = config.MEDIAPLANE_INSTANCE_ID ?? `${def.app}-${hostname().replace(/[^A-Za-z0-9_-]/g, '')}-${randomBytes(3).toString('hex')}`;
  const logger = createLogger({ app: def.app, instanceId, level: config.MEDIAPLANE_LOG_LEVEL });
  const metrics = createMetricsRegistry(def.app, instanceId);
  const bus = await Bus.connect(config.MEDIAPLANE_NATS_URL, {
    namespace: config.MEDIAPLANE_NAMESPACE,
    queueGroup: def.app,
    logger,
    metrics,
    requestTimeoutMs: config.MEDIAPLANE_REQUEST_TIMEOUT_MS,
    name: instanceId,
  });
  await bus.ensureJetStream();
  const redis = new Redis(config.MEDIAPLANE_REDIS_URL, { maxRetriesPerRequest: 3, enableAutoPipelining: true });
  redis.on('error', (err) => logger.warn({ err }, 'redis error'));

  const ctx: ServiceContext<z.infer<S> & CommonConfig> = {
    app: def.app,
    instanceId,
    version: readVersion(),
    startedAt: new Date(),
    config,
    logger,
    metrics,
    bus,
    redis,
  };

  @Module({ imports: [ServiceKitModule.forContext(ctx), def.module] })
  class RootModule {}

  // bodyParser: false, so the parsers are mounted below, after the app's own early middleware.
  const app = await NestFactory.create<NestExpressApplication>(RootModule, { logger: new PinoNestLogger(logger), abortOnError: false, bodyParser: false });
  app.disable('x-powered-by');
  app.use(securityHeaders());
  app.useGlobalFilters(new JsonExceptionFilter(logger));
  await def.configureHttp?.(app, ctx);
  // Nest's defaults (100 kB JSON, extended urlencoded), in Nest's order.
  app.useBodyParser('json');
  app.useBodyParser('urlencoded', { extended: true });
  app.connectMicroservice({ strategy: new BusTransportStrategy(bus) }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(def.httpPort(config), config.MEDIAPLANE_HTTP_HOST);
  const httpPort = (app.getHttpServer() as Server).address();
  const boundPort = typeof httpPort === 'object' && httpPort ? httpPort.port : def.httpPort(config);

  const heartbeat = app.get(HeartbeatService);
  const readiness = app.get(ReadinessService);
  // Not ready while a backbone link is down (the clients reconnect on their own): a balancer sends new work elsewhere.
  readiness.addCheck('nats', () => bus.connected);
  readiness.addCheck('redis', () => redis.status === 'ready');
  heartbeat.setPort('http', boundPort);
  readiness.markReady();
  heartbeat.start();
  logger.info({ httpPort: boundPort, namespace: config.MEDIAPLANE_NAMESPACE }, `${def.app} ready`);

  let stopping: Promise<void> | undefined;
  const shutdown = (signal = 'SIGTERM'): Promise<void> => {
    stopping ??= (async () => {
      const deadline = Date.now() + config.MEDIAPLANE_SHUTDOWN_DELAY_MS + config.MEDIAPLANE_SHUTDOWN_GRACE_MS;
      logger.info({ signal, graceMs: config.MEDIAPLANE_SHUTDOWN_GRACE_MS }, 'draining');
      readiness.markDraining();
      await heartbeat.beat();
      if (config.MEDIAPLANE_SHUTDOWN_DELAY_MS > 0) await new Promise((r) => setTimeout(r, config.MEDIAPLANE_SHUTDOWN_DELAY_MS));
      const server = app.getHttpServer() as Server;
      server.closeIdleConnections?.();
      const unfinished = await app.get(ShutdownService).drain(deadline);
      if (unfinished.length > 0) logger.warn({ unfinished }, 'grace period over; closing anyway');
      const force = setTimeout(() => server.closeAllConnections?.(), Math.max(0, deadline - Date.now()));
      force.unref();
      server.closeAllConnections?.();
      await app.close();
      clearTimeout(force);
      await heartbeat.stop();
      await bus.close();
      await redis.quit().catch(() => undefined);
      await stopTracing();
      logger.info('stopped');
      logger.flush();
    })();
    return stopping;
  };

  return { app, ctx, httpPort: boundPort, shutdown };
}

/** Runs a service as the process's main: signals drain it, exit code 0 on a clean stop. */
export function runService<S extends z.ZodObject>(def: ServiceDefinition<S>): void {
  bootstrapService(def)
    .then((running) => {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.once(signal, () => {
          running.shutdown(signal).then(
            () => setTimeout(() => process.exit(0), 50),
            () => process.exit(1),
          );
        });
      }
    })
    .catch((error: unknown) => {
      process.stderr.write(`${JSON.stringify({ level: 'fatal', app: def.app, msg: 'failed to start', err: String((error as Error)?.stack ?? error) })}\n`);
      process.exit(1);
    });
}

function readVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      // The workspace's package.json, or the pruned one of a bundled app (`@mediaplane/<app>`, dist/deploy/<app>).
      if (pkg.name === 'mediaplane' || pkg.name?.startsWith('@mediaplane/')) return pkg.version ?? '0.0.0';
    }
    dir = dirname(dir);
  }
  return process.env['npm_package_version'] ?? '0.0.0';
}
