import { z } from 'zod';
import { defineEvent } from './contract';
import { StreamIdSchema } from './stream.contracts';

export const RenditionSchema = z.object({
  name: z.string().max(32),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Peak bits per second as written in the master playlist's BANDWIDTH. */
  bandwidth: z.number().int().positive(),
  codecs: z.string().max(128),
  frameRate: z.number().positive().optional(),
});
export type Rendition = z.infer<typeof RenditionSchema>;

export const RenditionReadySchema = z.object({
  streamId: StreamIdSchema,
  /** Instance id of the transcode worker serving the HLS origin. */
  origin: z.string().max(128),
  renditions: z.array(RenditionSchema).max(16),
  at: z.iso.datetime(),
});

export const RecordingReadySchema = z.object({
  streamId: StreamIdSchema,
  origin: z.string().max(128),
  /** Path relative to the worker's recordings directory. */
  file: z.string().max(512),
  durationSeconds: z.number().nonnegative(),
  bytes: z.number().int().nonnegative(),
  at: z.iso.datetime(),
});

export const transcodeContracts = {
  renditionReady: defineEvent('transcode.v1.rendition.{streamId}.ready', RenditionReadySchema, { durable: true }),
  recordingReady: defineEvent('transcode.v1.recording.{streamId}.ready', RecordingReadySchema, { durable: true }),
} as const;
