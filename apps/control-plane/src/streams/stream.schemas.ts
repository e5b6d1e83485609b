import { z } from 'zod';
import { LadderSchema, PublishProtocolSchema, RenditionSchema, StreamIdSchema } from '@mediaplane/contracts';
import { requiredOr } from '../http/describe-zod-issues';

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
});
export type StreamDefinition = z.infer<typeof StreamDefinitionSchema>;

export const StreamNameSchema = z
  .string({ error: requiredOr('must be a string') })
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[^\x00-\x1f\x7f]*$/, 'must not contain control characters');

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

const url = z.string().describe('URL');

export const IngestUrlsSchema = z
  .object({
    rtmp: url.describe('RTMP publish URL with the key (OBS: server `rtmpServer`, key `streamKey`).'),
    rtmpServer: url.describe('RTMP server URL without the key.'),
    rtmps: url.optional().describe('RTMPS publish URL with the key, when RTMPS is configured.'),
    srt: url.describe('SRT publish URL with the key in the streamid.'),
    whip: url.describe('WHIP endpoint; send the stream key as `Authorization: Bearer`.'),
  })
  .describe('IngestUrls');

export const PlaybackUrlsSchema = z
  .object({
    hls: url,
    flv: url,
    wsflv: url,
    rtmp: url,
    whep: url,
    snapshot: url.describe('Snapshot JPEG through the control plane.'),
  })
  .describe('PlaybackUrls (private streams need `?token=` on each)');

export const CreatedStreamSchema = z
  .object({
    id: StreamIdSchema,
    name: z.string(),
    streamKey: z.string().describe('The secret publish key. Shown only here and in the rotate-key response.'),
    private: z.boolean(),
    record: z.boolean(),
    ingest: IngestUrlsSchema,
    playback: PlaybackUrlsSchema,
  })
  .describe('CreatedStream');

export const RotatedKeySchema = z
  .object({ id: StreamIdSchema, streamKey: z.string().describe('The new key; the old one no longer works.'), ingest: IngestUrlsSchema, kicked: z.boolean() })
  .describe('RotatedKey');

const viewerCount = z.number().int().nonnegative();

/** One entry per playback protocol; internal pulls (transcode, SFU bridge, tools with internal tokens) are never counted. */
export const ViewersViewSchema = z
  .object({
    rtmp: viewerCount.optional().describe('RTMP players on the ingest node (when it reports them).'),
    flv: viewerCount.optional().describe('HTTP-FLV players on the ingest node (when it reports them).'),
    wsflv: viewerCount.optional().describe('WebSocket-FLV players on the ingest node (when it reports them).'),
    hls: viewerCount.describe(
      'HLS players summed over every edge: distinct viewers that fetched a media playlist or segment within the last three target durations (updated every few seconds).',
    ),
    whep: viewerCount.optional().describe('WebRTC (WHEP) players, when the SFU reports them.'),
  })
  .describe('Viewers per playback protocol (internal pulls excluded).');

export const LiveStateViewSchema = z
  .object({
    protocol: PublishProtocolSchema.describe('How the publisher is connected.'),
    node: z.string().describe('Instance id of the ingest node holding the stream.'),
    startedAt: z.string(),
    updatedAt: z.string(),
    uptimeSeconds: z.number().int().nonnegative(),
    codecs: z.array(z.string()).describe('Codec strings (RFC 6381 where known, else codec names).'),
    videoCodec: z.string().nullable(),
    audioCodec: z.string().nullable(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    fps: z.number().nullable(),
    audioSampleRate: z.number().int().nullable(),
    audioChannels: z.number().int().nullable(),
    bitrateKbps: z.number().nonnegative(),
    viewers: ViewersViewSchema,
    viewersTotal: z.number().int().nonnegative().describe('Sum of `viewers` over every protocol.'),
  })
  .describe('LiveState');

export const StreamViewSchema = z
  .object({
    id: StreamIdSchema,
    name: z.string(),
    private: z.boolean(),
    record: z.boolean(),
    ladder: LadderSchema.nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    keyRotatedAt: z.string().nullable(),
    live: z.boolean(),
    state: LiveStateViewSchema.nullable().describe('Live state gathered from the ingest node (HLS viewers from the edges); null when nobody publishes.'),
    renditions: z.array(RenditionSchema).describe('HLS renditions the transcode ladder serves for the current session.'),
    ingest: IngestUrlsSchema.omit({ rtmp: true, rtmps: true, srt: true }).extend({ srtServer: url }).describe('Publish endpoints without the key.'),
    playback: PlaybackUrlsSchema,
  })
  .describe('Stream');
export type StreamView = z.infer<typeof StreamViewSchema>;
export type LiveStateView = z.infer<typeof LiveStateViewSchema>;

export const StreamListSchema = z.object({ streams: z.array(StreamViewSchema) }).describe('StreamList');

export const PlaybackTokenSchema = z
  .object({
    token: z.string().describe('Append as `?token=` to every playback URL of this stream.'),
    expiresAt: z.iso.datetime(),
    playback: PlaybackUrlsSchema.describe('The playback URLs with the token already appended.'),
  })
  .describe('PlaybackToken');

export const KickResultSchema = z
  .object({ id: StreamIdSchema, wasLive: z.boolean().describe('Whether a publisher was live when the kick was sent.') })
  .describe('KickResult');
