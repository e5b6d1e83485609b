// Loaded first by main.ts: OpenTelemetry's instrumentations patch http, express, Nest, ioredis and pino
// as they are required, so nothing else may load before this (hence the sub-path without the logger).
import { startTracing } from '@mediaplane/observability/tracing';

startTracing({ serviceName: 'transcode' });
