import { z } from 'zod';
import { commonConfigShape, port } from '@mediaplane/config';

export const controlPlaneConfigSchema = z.object({
  ...commonConfigShape,
  CONTROL_PLANE_HTTP_PORT: port(8080).describe('HTTP port: REST API, dashboard, OpenAPI, health, readiness, metrics.'),
  MEDIAPLANE_ADMIN_TOKEN: z
    .string({ error: 'is required (there is no built-in default; `npm run up` generates one for local use)' })
    .min(16, 'must be at least 16 characters')
    .describe('Bearer token of the admin API. Required; no default.'),
});
export type ControlPlaneConfig = z.infer<typeof controlPlaneConfigSchema>;
