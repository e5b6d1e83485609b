import { z } from 'zod';
import { LadderSchema, SrtPublishSettingsSchema, StreamIdSchema, booleanQueryParam, displayTextSchema } from '@mediaplane/contracts';
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
  /**
   * SRT publish settings. Unlike the key, the passphrase is kept as it is: the
   * ingest listener needs it to set up the encryption (it travels only in the
   * `srt` publish grant to SRT publishers and in the create / rotate-key responses).
   */
  srt: SrtPublishSettingsSchema.optional(),
  /** W3C traceparent of the request that created the stream: publishes link back to it. Never shown in the API. */
  createdTraceparent: z.string().max(64).optional(),
});
export type StreamDefinition = z.infer<typeof StreamDefinitionSchema>;

/**
 * RFC 3986 unreserved characters only: FFmpeg (5.1) and srt-live-transmit copy
 * `passphrase=` out of the URL without percent-decoding, so the publish URL
 * must carry it verbatim, and a shell paste must not split it.
 */
const SrtPassphraseInputSchema = z
  .string({ error: requiredOr('must be a string') })
  .min(10, 'must be at least 10 characters (libsrt)')
  .max(79, 'must be at most 79 characters (libsrt)')
  .regex(/^[A-Za-z0-9._~-]+$/, 'may contain only letters, digits and - . _ ~ (it goes into the srt:// URL as it is)');
const SrtKeyLengthInputSchema = z
  .union([z.literal(16), z.literal(24), z.literal(32)], { error: 'must be 16, 24 or 32 (bytes: AES-128, AES-192, AES-256)' })
  .describe('AES key length in bytes; default 16 (AES-128). Only with a passphrase.');
const SrtLatencyInputSchema = z
  .number({ error: requiredOr('must be a number of milliseconds') })
  .int('must be a whole number of milliseconds')
  .min(20, 'must be at least 20 ms')
  .max(8000, 'must be at most 8000 ms')
  .describe('SRT latency in milliseconds (20-8000): how long the receiver waits for retransmissions. Default: the ingest default.');
const passphraseDoc =
  'SRT passphrase (10-79 of A-Z a-z 0-9 - . _ ~): SRT publishers must bring it, the stream is AES-encrypted on the wire. A secret: shown only with the stream key.';

export const SrtSettingsRequestSchema = z
  .strictObject({
    passphrase: SrtPassphraseInputSchema.optional().describe(passphraseDoc),
    keyLength: SrtKeyLengthInputSchema.optional(),
    latencyMs: SrtLatencyInputSchema.optional(),
  })
  .describe('SrtSettingsRequest');

/** PATCH semantics: an absent field keeps its value, `null` removes it (back to no passphrase / the ingest default latency). */
export const SrtSettingsUpdateSchema = z
  .strictObject({
    passphrase: SrtPassphraseInputSchema.nullable().optional().describe(`${passphraseDoc} \`null\` removes it (and its key length).`),
    keyLength: SrtKeyLengthInputSchema.optional(),
    latencyMs: SrtLatencyInputSchema.nullable().optional(),
  })
  .describe('SrtSettingsUpdate');

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
    srt: SrtSettingsRequestSchema.refine((srt) => srt.keyLength === undefined || srt.passphrase !== undefined, {
      message: 'applies only with a passphrase',
      path: ['keyLength'],
    })
      .optional()
      .describe('SRT publish settings: passphrase (encryption), key length, latency.'),
  })
  .describe('CreateStreamRequest');
export type CreateStreamRequest = z.output<typeof CreateStreamRequestSchema>;

export const UpdateStreamRequestSchema = z
  .strictObject({
    srt: SrtSettingsUpdateSchema.describe('SRT publish settings; they apply from the next SRT publish (a live publisher keeps its connection).'),
  })
  .describe('UpdateStreamRequest');
export type UpdateStreamRequest = z.output<typeof UpdateStreamRequestSchema>;

/** A stream's SRT settings after an update, or why they cannot be. */
export function mergeSrtSettings(
  current: z.infer<typeof SrtPublishSettingsSchema> | undefined,
  update: z.output<typeof SrtSettingsUpdateSchema>,
): { ok: true; settings: z.infer<typeof SrtPublishSettingsSchema> | undefined } | { ok: false; message: string } {
  const next: Record<string, unknown> = { ...current };
  for (const field of ['passphrase', 'keyLength', 'latencyMs'] as const) {
    if (update[field] === null) delete next[field];
    else if (update[field] !== undefined) next[field] = update[field];
  }
  // A key length without a passphrase means nothing; removing the passphrase removes it (unless the same request sets one: contradictory).
  if (update.passphrase === null && update.keyLength === undefined) delete next['keyLength'];
  if (next['keyLength'] !== undefined && next['passphrase'] === undefined) return { ok: false, message: 'srt.keyLength: applies only with a passphrase' };
  const settings = SrtPublishSettingsSchema.parse(next);
  return { ok: true, settings: Object.keys(settings).length ? settings : undefined };
}

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
    live: booleanQueryParam,
  })
  .describe('ListStreamsQuery');
