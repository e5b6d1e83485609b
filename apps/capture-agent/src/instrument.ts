// Loaded first by main.ts so OpenTelemetry is set up before Nest and its HTTP stack load.
import { startTracing } from '@mediaplane/observability';

startTracing({ serviceName: 'capture-agent' });
