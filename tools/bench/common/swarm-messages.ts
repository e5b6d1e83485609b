import { z } from 'zod';

/** What the viewer swarm is told to open (passed as JSON in argv). */
export const SwarmConfigSchema = z.discriminatedUnion('protocol', [
  z.object({
    protocol: z.enum(['flv', 'wsflv']),
    count: z.number().int().min(1).max(5000),
    fps: z.number().positive(),
    concurrency: z.number().int().min(1).max(500),
    url: z.url(),
  }),
  z.object({
    protocol: z.literal('rtmp'),
    count: z.number().int().min(1).max(5000),
    fps: z.number().positive(),
    concurrency: z.number().int().min(1).max(500),
    host: z.string(),
    port: z.number().int().min(1).max(65535),
    app: z.string(),
    name: z.string(),
  }),
]);
export type SwarmConfig = z.infer<typeof SwarmConfigSchema>;

/** Parent → swarm. */
export const SwarmCommandSchema = z.object({ type: z.enum(['start-window', 'end-window', 'stop']) });
export type SwarmCommand = z.infer<typeof SwarmCommandSchema>;

export interface SwarmJoined {
  type: 'joined';
  /** Viewers that received a first decodable frame. */
  joined: number;
  failed: number;
  firstError?: string;
  /** Time to first decodable frame over the joins, ms. */
  ttffP50Ms: number;
  ttffP95Ms: number;
}

export interface SwarmWindow {
  type: 'window';
  /** Viewers still connected at the end of the window. */
  alive: number;
  /** Viewers that received at least one video frame during the window: the ones really served. */
  receiving: number;
  /** Viewers the server disconnected during the window. */
  endedByServer: number;
  frames: number;
  expected: number;
  gapDrops: number;
  viewersWithDrops: number;
  /** Smallest frames-received count of one viewer (a single lagging viewer shows here). */
  minFrames: number;
  maxGapMs: number;
  discontinuities: number;
  /** Shortest media time one viewer covered, s (below the wall time: that viewer lagged). */
  minMediaSeconds: number;
  wallSeconds: number;
  /** Bytes all viewers received during the window. */
  bytes: number;
}

export type SwarmReport = SwarmJoined | SwarmWindow;
