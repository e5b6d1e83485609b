import { z } from 'zod';
import { commonConfigShape, port } from '@mediaplane/config';

export const sfuConfigSchema = z.object({
  ...commonConfigShape,
  SFU_HTTP_PORT: port(8083).describe('HTTP port: health, readiness, metrics.'),
});
export type SfuConfig = z.infer<typeof sfuConfigSchema>;
