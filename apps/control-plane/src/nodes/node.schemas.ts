import { z } from 'zod';
import { AppNameSchema, NodeLoadSchema } from '@mediaplane/contracts';

export const NodeViewSchema = z
  .object({
    app: AppNameSchema,
    id: z.string().describe('Instance id.'),
    version: z.string(),
    address: z.string().describe('Address other services reach it on (MEDIAPLANE_ADVERTISE_HOST).'),
    ports: z.record(z.string(), z.number().int()).describe('Bound ports by listener name (http, rtmp, srt, …).'),
    health: z.enum(['ready', 'not-ready']),
    load: NodeLoadSchema,
    facts: z.record(z.string(), z.string()).describe('What the instance runs on, e.g. the SFU engine (`engine`: mediasoup or werift).'),
    startedAt: z.string(),
    lastSeenAt: z.string(),
  })
  .describe('Node');

export const NodeListSchema = z.object({ nodes: z.array(NodeViewSchema) }).describe('NodeList');
