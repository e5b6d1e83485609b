import { z } from 'zod';
import { defineEvent, defineRequest } from './contract';

/** Public stream ids are URL-safe and used in playback URLs. */
export const StreamIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ -');
export const PublishProtocolSchema = z.enum(['rtmp', 'rtmps', 'srt', 'whip']);
export type PublishProtocol = z.infer<typeof PublishProtocolSchema>;
export const PlaybackProtocolSchema = z.enum(['rtmp', 'flv', 'wsflv', 'hls', 'whep', 'srt']);
export type PlaybackProtocol = z.infer<typeof PlaybackProtocolSchema>;

export const VideoInfoSchema = z.object({
  codec: z.string().max(32),
  codecString: z.string().max(64).optional(),
  profile: z.string().max(32).optional(),
  level: z.number().optional(),
  width: z.number().int().nonnegative().optional(),
  height: z.number().int().nonnegative().optional(),
  fps: z.number().nonnegative().optional(),
});
export const AudioInfoSchema = z.object({
  codec: z.string().max(32),
  codecString: z.string().max(64).optional(),
  sampleRate: z.number().int().nonnegative().optional(),
  channels: z.number().int().nonnegative().optional(),
});
export const MediaInfoSchema = z.object({ video: VideoInfoSchema.optional(), audio: AudioInfoSchema.optional() });
export type MediaInfo = z.infer<typeof MediaInfoSchema>;

export const LadderRungSchema = z.object({
  name: z.string().regex(/^[a-z0-9_-]{1,32}$/),
  height: z.number().int().min(90).max(4320),
  videoBitrateKbps: z.number().int().min(50).max(100000),
  audioBitrateKbps: z.number().int().min(16).max(512).default(128),
});
export const LadderSchema = z.object({
  rungs: z.array(LadderRungSchema).min(1).max(8),
  /** Keep a passthrough `source` rendition when the source is H.264. */
  source: z.boolean().default(true),
  preset: z.enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium']).default('veryfast'),
  segmentSeconds: z.number().min(1).max(10).default(2),
});
export type Ladder = z.infer<typeof LadderSchema>;

/**
 * Publish authorization. Ingest never puts the stream key on the wire: it
 * sends the key's SHA-256 (keys are 192-bit random, so the hash is as good as
 * the key for lookup and useless to an eavesdropper or a store dump).
 */
export const PublishAuthorizeRequestSchema = z.object({
  protocol: PublishProtocolSchema,
  keyHash: z.string().regex(/^[a-f0-9]{64}$/),
  remoteAddress: z.string().max(64),
  node: z.string().max(128),
});
/** SRT passphrase: libsrt accepts 10-79 characters (it derives an AES key of the stream's key length from it). */
export const SrtPassphraseSchema = z.string().min(10).max(79);
/** SRT latency (TSBPD delay) in milliseconds: how long a receiver waits for retransmissions before giving up on a packet. */
export const SrtLatencyMsSchema = z.number().int().min(20).max(8000);

/** How an SRT publisher of this stream must connect: per-stream passphrase and latency, when the stream defines them. */
export const SrtPublishSettingsSchema = z.object({
  passphrase: SrtPassphraseSchema.optional(),
  /** AES key length in bytes for the passphrase (16, 24 or 32); default 16. */
  keyLength: z.union([z.literal(16), z.literal(24), z.literal(32)]).optional(),
  latencyMs: SrtLatencyMsSchema.optional(),
});
export type SrtPublishSettings = z.infer<typeof SrtPublishSettingsSchema>;

/**
 * Link statistics of one SRT connection (libsrt's srt_bstats), sampled by the
 * node holding it: counters since the connection began, rates and buffers now.
 */
export const SrtLinkStatsSchema = z.object({
  rttMs: z.number().nonnegative(),
  /** Estimated link bandwidth (libsrt's mbpsBandwidth) in kb/s. */
  bandwidthKbps: z.number().nonnegative(),
  /** Receiving rate over the last sample, kb/s. */
  receiveRateKbps: z.number().nonnegative(),
  packetsReceived: z.number().int().nonnegative(),
  /** Packets found missing (a gap in sequence numbers); most are then recovered by retransmission. */
  packetsLost: z.number().int().nonnegative(),
  /** Retransmitted packets (received as a listener, sent as a caller). */
  packetsRetransmitted: z.number().int().nonnegative(),
  /** Packets given up on: too late to be played within the latency. */
  packetsDropped: z.number().int().nonnegative(),
  /** Receive buffer occupancy in milliseconds of media. */
  receiveBufferMs: z.number().nonnegative(),
  /** Negotiated latency in milliseconds. */
  latencyMs: z.number().int().nonnegative(),
});
export type SrtLinkStats = z.infer<typeof SrtLinkStatsSchema>;

export const PublishAuthorizeResponseSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    streamId: StreamIdSchema,
    name: z.string(),
    private: z.boolean(),
    record: z.boolean(),
    ladder: LadderSchema.optional(),
    /** The API asked for takeover (POST /streams/{id}/takeover): this publisher replaces a live one instead of being refused. */
    takeover: z.boolean().optional(),
    /** SRT settings of the stream (passphrase, latency), for the SRT listener to apply before the handshake completes. */
    srt: SrtPublishSettingsSchema.optional(),
  }),
  z.object({ ok: z.literal(false), reason: z.enum(['unknown_key', 'rate_limited', 'unavailable']), message: z.string() }),
]);
export type PublishAuthorizeResponse = z.infer<typeof PublishAuthorizeResponseSchema>;

/**
 * A stream's settings as the publish decision gave them: the single source
 * for the whole session (ingest keeps them in its grant, transcode reads them
 * from `stream.started` and does not ask again).
 */
export const StreamSettingsSchema = z.object({
  private: z.boolean(),
  record: z.boolean(),
  ladder: LadderSchema.optional(),
});
export type StreamSettings = z.infer<typeof StreamSettingsSchema>;

export const StreamStartedSchema = z.object({
  streamId: StreamIdSchema,
  sessionId: z.string().max(64),
  protocol: PublishProtocolSchema,
  node: z.string().max(128),
  startedAt: z.iso.datetime(),
  media: MediaInfoSchema,
  /** Optional so events from nodes that predate it still parse. */
  settings: StreamSettingsSchema.optional(),
});
export type StreamStarted = z.infer<typeof StreamStartedSchema>;

export const StreamEndReasonSchema = z.enum(['publisher_closed', 'kicked', 'deleted', 'key_rotated', 'timeout', 'error', 'shutdown', 'takeover']);
export const StreamEndedSchema = z.object({
  streamId: StreamIdSchema,
  sessionId: z.string().max(64),
  protocol: PublishProtocolSchema,
  node: z.string().max(128),
  reason: StreamEndReasonSchema,
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime(),
  bytesIn: z.number().int().nonnegative(),
});
export type StreamEnded = z.infer<typeof StreamEndedSchema>;

export const PublishRejectedSchema = z.object({
  protocol: PublishProtocolSchema,
  reason: z.string().max(64),
  remoteAddress: z.string().max(64),
  streamId: StreamIdSchema.optional(),
  at: z.iso.datetime(),
});

export const StreamCommandSchema = z.object({
  streamId: StreamIdSchema,
  reason: StreamEndReasonSchema,
  /** Only this publish session (a takeover ends the one it found live, never the one replacing it). */
  sessionId: z.string().max(64).optional(),
});
export type StreamCommand = z.infer<typeof StreamCommandSchema>;

export const streamContracts = {
  publishAuthorize: defineRequest('ingest.v1.publish.authorize', PublishAuthorizeRequestSchema, PublishAuthorizeResponseSchema),
  publishRejected: defineEvent('ingest.v1.publish.rejected', PublishRejectedSchema, { durable: true }),
  streamStarted: defineEvent('ingest.v1.stream.{streamId}.started', StreamStartedSchema, { durable: true }),
  streamEnded: defineEvent('ingest.v1.stream.{streamId}.ended', StreamEndedSchema, { durable: true }),
  /** Broadcast to every ingest node; the one holding the stream disconnects it. */
  streamKick: defineEvent('ingest.v1.stream.{streamId}.kick', StreamCommandSchema, { broadcast: true }),
} as const;
