import { z } from 'zod';
import { defineEvent, defineRequest } from './contract';

export const APP_NAMES = ['control-plane', 'ingest', 'edge', 'sfu', 'transcode', 'capture-agent'] as const;
export const AppNameSchema = z.enum(APP_NAMES);
export type AppName = z.infer<typeof AppNameSchema>;

export const NodeLoadSchema = z.object({
  /** CPU used by the process since the last heartbeat, in cores (1 = one full core). */
  cpu: z.number().nonnegative(),
  rssBytes: z.number().int().nonnegative(),
  eventLoopLagMs: z.number().nonnegative(),
  /** App-specific figures (streams, viewers, jobs, …). */
  units: z.record(z.string(), z.number()).default({}),
});

export const NodeHeartbeatSchema = z.object({
  app: AppNameSchema,
  instanceId: z.string().min(1).max(128),
  version: z.string().max(64),
  host: z.string().min(1).max(255),
  ports: z.record(z.string(), z.number().int().min(0).max(65535)),
  ready: z.boolean(),
  startedAt: z.iso.datetime(),
  sentAt: z.iso.datetime(),
  /** How long the entry stays valid without another heartbeat. */
  ttlMs: z.number().int().positive(),
  load: NodeLoadSchema,
  /** What the instance runs on, e.g. the SFU's WebRTC engine (`engine: mediasoup`). */
  facts: z.record(z.string().max(32), z.string().max(64)).default({}),
});
export type NodeHeartbeat = z.infer<typeof NodeHeartbeatSchema>;

export const NodeStoppedSchema = z.object({ app: AppNameSchema, instanceId: z.string().min(1).max(128), at: z.iso.datetime() });

/** Asks one instance whether it is alive; only that instance subscribes to its subject, so a dead one gets NATS "no responders" at once. */
export const NodePingSchema = z.object({ from: z.string().min(1).max(128) });
export const NodePongSchema = z.object({ app: AppNameSchema, instanceId: z.string().min(1).max(128) });

export const clusterContracts = {
  nodeHeartbeat: defineEvent('cluster.v1.node.{instanceId}.heartbeat', NodeHeartbeatSchema),
  nodeStopped: defineEvent('cluster.v1.node.{instanceId}.stopped', NodeStoppedSchema),
  nodePing: defineRequest('cluster.v1.node.{instanceId}.ping', NodePingSchema, NodePongSchema),
} as const;
