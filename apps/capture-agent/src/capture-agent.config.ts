import { z } from 'zod';
import { commonConfigShape, port } from '@mediaplane/config';
import { androidConfigShape } from './android/android.config';

export const captureAgentConfigSchema = z.object({
  ...commonConfigShape,
  CAPTURE_AGENT_HTTP_PORT: port(8085).describe('HTTP port: health, readiness, metrics.'),
  ...androidConfigShape,
});
export type CaptureAgentConfig = z.infer<typeof captureAgentConfigSchema>;
