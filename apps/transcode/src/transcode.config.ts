import { z } from 'zod';
import { commonConfigShape, port } from '@mediaplane/config';

export const transcodeConfigSchema = z.object({
  ...commonConfigShape,
  TRANSCODE_HTTP_PORT: port(8084).describe('HTTP port: health, readiness, metrics.'),
});
export type TranscodeConfig = z.infer<typeof transcodeConfigSchema>;
