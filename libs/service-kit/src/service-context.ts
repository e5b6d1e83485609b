import type { Redis } from 'ioredis';
import type { AppName } from '@mediaplane/contracts';
import type { CommonConfig } from '@mediaplane/config';
import type { Bus } from '@mediaplane/messaging';
import type { Logger, Registry } from '@mediaplane/observability';

/** Everything an app instance shares: identity, config, logger, metrics, bus, redis. */
export interface ServiceContext<C extends CommonConfig = CommonConfig> {
  app: AppName;
  instanceId: string;
  version: string;
  startedAt: Date;
  config: C;
  logger: Logger;
  metrics: Registry;
  bus: Bus;
  redis: Redis;
}

export const SERVICE_CONTEXT = Symbol('SERVICE_CONTEXT');
/** The app's own validated config object (same object as `ServiceContext.config`). */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const BUS = Symbol('BUS');
export const REDIS = Symbol('REDIS');
export const LOGGER = Symbol('LOGGER');
export const METRICS = Symbol('METRICS');
/** This instance's id (as in heartbeats and live state), for code that needs only that of the context. */
export const INSTANCE_ID = Symbol('INSTANCE_ID');

/** Redis keys are built by the one helper of @mediaplane/sessions; re-exported for existing callers. */
export { redisKey } from '@mediaplane/sessions';
