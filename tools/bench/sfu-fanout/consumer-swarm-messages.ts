import { z } from 'zod';
import type { SwarmJoined } from '../common/swarm-messages';

/** What a WHEP consumer swarm opens (passed as JSON in argv). */
export const ConsumerSwarmConfigSchema = z.object({
  whepUrl: z.url(),
  count: z.number().int().min(1).max(2000),
  concurrency: z.number().int().min(1).max(100),
  joinTimeoutMs: z.number().int().min(1000).max(120_000),
});
export type ConsumerSwarmConfig = z.infer<typeof ConsumerSwarmConfigSchema>;

/** Parent → swarm: the same window commands as the FLV/RTMP viewer swarm. */
export { SwarmCommandSchema as ConsumerSwarmCommandSchema, type SwarmCommand as ConsumerSwarmCommand } from '../common/swarm-messages';

/** `joined` counts consumers connected (ICE+DTLS) that received video. */
export type ConsumerSwarmJoined = Omit<SwarmJoined, 'ttffP50Ms' | 'ttffP95Ms'>;

export interface ConsumerWindow {
  videoBytes: number;
  audioBytes: number;
  videoPackets: number;
  audioPackets: number;
}

export interface ConsumerSwarmWindow {
  type: 'window';
  wallSeconds: number;
  /** What each consumer received during the window, in join order (failed joins included, at zero). */
  consumers: ConsumerWindow[];
}

export interface ConsumerSwarmStopped {
  type: 'stopped';
}

export type ConsumerSwarmReport = ConsumerSwarmJoined | ConsumerSwarmWindow | ConsumerSwarmStopped;
