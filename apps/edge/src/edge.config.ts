import { z } from 'zod';
import { commonConfigShape, port } from '@mediaplane/config';

export const edgeConfigSchema = z.object({
  ...commonConfigShape,
  EDGE_HTTP_PORT: port(8082).describe('HTTP port: health, readiness, metrics.'),
});
export type EdgeConfig = z.infer<typeof edgeConfigSchema>;
