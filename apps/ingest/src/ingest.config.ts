import { z } from 'zod';
import { commonConfigShape, port } from '@mediaplane/config';

export const ingestConfigSchema = z.object({
  ...commonConfigShape,
  INGEST_HTTP_PORT: port(8081).describe('HTTP port: health, readiness, metrics.'),
});
export type IngestConfig = z.infer<typeof ingestConfigSchema>;
