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
export type RenditionReady = z.infer<typeof RenditionReadySchema>;

export const RecordingReadySchema = z.object({
  streamId: StreamIdSchema,
  origin: z.string().max(128),
  /** Path relative to the worker's recordings directory. */
  file: z.string().max(512),
  durationSeconds: z.number().nonnegative(),
  bytes: z.number().int().nonnegative(),
  at: z.iso.datetime(),
});

export const TranscodeJobClaimedSchema = z.object({
  streamId: StreamIdSchema,
  sessionId: z.string().max(64),
  /** Instance id of the worker that now runs the job. */
  worker: z.string().max(128),
  /** JetStream delivery count of the job: above 1 means another worker held it before (takeover). */
  delivery: z.number().int().positive(),
  at: z.iso.datetime(),
});
export type TranscodeJobClaimed = z.infer<typeof TranscodeJobClaimedSchema>;

export const TranscodeJobEndedSchema = z.object({
  streamId: StreamIdSchema,
  sessionId: z.string().max(64),
  worker: z.string().max(128),
  /** `stream_ended`: the publisher left; `released`: handed back (drain, lost ownership, stale job). */
  reason: z.enum(['stream_ended', 'released', 'failed']),
  at: z.iso.datetime(),
});

/**
 * The HLS origin registry entry a worker keeps in Redis (key
 * `transcodeKeys(namespace).hlsOrigin(streamId)` (libs/sessions), TTL refreshed while it produces the
 * stream) so that any edge finds whichever worker serves the stream.
 */
export const HlsOriginSchema = z.object({
  streamId: StreamIdSchema,
  sessionId: z.string().max(64),
  /** Instance id of the worker. */
  worker: z.string().max(128),
  /** Base URL of the stream on the worker, e.g. `http://10.0.0.5:8084/origin/hls/{streamId}`. */
  baseUrl: z.string().url().max(512),
  /** In master-playlist order; `name` is the path segment (`source`, `720p`, …). */
  renditions: z.array(RenditionSchema).max(16),
  /** The stream needs a playback token (the worker's view; edges also read the live state). */
  private: z.boolean(),
  /** Target segment length in seconds. */
  segmentSeconds: z.number().positive(),
  /** False once the publisher left: playlists carry EXT-X-ENDLIST. */
  live: z.boolean(),
  updatedAt: z.iso.datetime(),
});
export type HlsOrigin = z.infer<typeof HlsOriginSchema>;

export const transcodeContracts = {
  renditionReady: defineEvent('transcode.v1.rendition.{streamId}.ready', RenditionReadySchema, { durable: true }),
  recordingReady: defineEvent('transcode.v1.recording.{streamId}.ready', RecordingReadySchema, { durable: true }),
  /** Asked by a worker claiming a job; answered by the control plane from the stream definition. */
  jobClaimed: defineEvent('transcode.v1.job.{streamId}.claimed', TranscodeJobClaimedSchema),
  jobEnded: defineEvent('transcode.v1.job.{streamId}.ended', TranscodeJobEndedSchema),
} as const;
