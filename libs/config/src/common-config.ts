import { z } from 'zod';
import { millis } from './env-types';

/** Variables every app reads. Each app extends this with its own. */
export const commonConfigShape = {
  MEDIAPLANE_NATS_URL: z.string().url().default('nats://127.0.0.1:4222').describe('NATS server(s), comma-separated URLs; JetStream must be on.'),
  MEDIAPLANE_REDIS_URL: z.string().url().default('redis://127.0.0.1:6379').describe('Redis for live state, the cluster view and TTLs.'),
  MEDIAPLANE_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9-]{1,32}$/, 'must be 1-32 of a-z 0-9 -')
    .default('mp')
    .describe('Prefix for NATS subjects, JetStream stream names and Redis keys; lets several platforms (or test runs) share one NATS and Redis.'),
  MEDIAPLANE_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional()
    .describe("This instance's id in the cluster view (default: app-hostname-random)."),
  MEDIAPLANE_HTTP_HOST: z.string().default('0.0.0.0').describe('Address the HTTP listener binds.'),
  MEDIAPLANE_ADVERTISE_HOST: z.string().default('127.0.0.1').describe('Address other services use to reach this instance (a pod IP in Kubernetes).'),
  MEDIAPLANE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level.'),
  MEDIAPLANE_HEARTBEAT_MS: millis(2000).describe('How often the instance announces itself; it expires after three missed beats.'),
  MEDIAPLANE_SHUTDOWN_GRACE_MS: millis(10000).describe('How long SIGTERM waits for in-flight work to drain before closing anyway.'),
  MEDIAPLANE_SHUTDOWN_DELAY_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('After SIGTERM, keep serving with readiness false this long before draining, so load balancers stop routing first (5000 suits Kubernetes).'),
  MEDIAPLANE_REQUEST_TIMEOUT_MS: millis(3000).describe('Timeout of NATS requests between services (e.g. publish authorization).'),
} as const;

export const commonConfigSchema = z.object(commonConfigShape);
export type CommonConfig = z.infer<typeof commonConfigSchema>;
