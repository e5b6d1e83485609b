import { z } from 'zod';
import { LadderSchema, StreamIdSchema, displayTextSchema } from '@mediaplane/contracts';
import { requiredOr } from '../http/describe-zod-issues';

// Requests and storage of the streams API; its responses (what the dashboard reads) are in
// @mediaplane/contracts (control-plane-api.contracts.ts).

/**
 * What is stored per stream (JetStream KV, keyed by id). Only the SHA-256 of
 * the stream key is kept, so a dump of the store cannot publish anything.
 */
export const StreamDefinitionSchema = z.object({
  id: StreamIdSchema,
  name: z.string(),
  keyHash: z.string().regex(/^[a-f0-9]{64}$/),
  private: z.boolean(),
  record: z.boolean(),
  ladder: LadderSchema.optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  keyRotatedAt: z.iso.datetime().optional(),
  /** W3C traceparent of the request that created the stream: publishes link back to it. Never shown in the API. */
  createdTraceparent: z.string().max(64).optional(),
});
export type StreamDefinition = z.infer<typeof StreamDefinitionSchema>;

/** NFC-normalized and trimmed; no lone surrogates, control or bidi characters, not only invisible ones. */
export const StreamNameSchema = displayTextSchema({ max: 100, required: true });

export const CreateStreamRequestSchema = z
  .strictObject({
    name: StreamNameSchema.describe('Display name.'),
    private: z
      .boolean({ error: requiredOr('must be true or false') })
      .default(false)
      .describe('Playback needs a signed token (`POST /streams/{id}/playback-tokens`).'),
    record: z
      .boolean({ error: requiredOr('must be true or false') })
      .default(false)
      .describe('Transcode workers keep a recording of each session.'),
    ladder: LadderSchema.optional().describe('ABR ladder for HLS; the transcode default when omitted.'),
  })
  .describe('CreateStreamRequest');
export type CreateStreamRequest = z.output<typeof CreateStreamRequestSchema>;

export const PlaybackTokenRequestSchema = (maxTtlSeconds: number) =>
  z
    .strictObject({
      ttlSeconds: z
        .number({ error: 'must be a number of seconds' })
        .int('must be a whole number of seconds')
        .min(1, 'must be at least 1')
        .max(maxTtlSeconds, `must be at most ${maxTtlSeconds}`)
        .default(3600)
        .describe('Lifetime of the token in seconds (default 3600).'),
    })
    .describe('PlaybackTokenRequest');

export const ListStreamsQuerySchema = z
  .object({
    live: z
      .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
      .optional()
      .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1')),
  })
  .describe('ListStreamsQuery');
