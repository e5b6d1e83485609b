import { z } from 'zod';
import {
  AgentCaptureOutputSchema,
  CaptureQualitySchema,
  CaptureStateNameSchema,
  CaptureStateSchema,
  DeviceIdSchema,
  DeviceInfoSchema,
} from './capture.contracts';
import { AppNameSchema, NodeLoadSchema } from './cluster.contracts';
import { LadderSchema, PublishProtocolSchema, SrtLinkStatsSchema, StreamIdSchema } from './stream.contracts';
import { RenditionSchema } from './transcode.contracts';

/*
 * Responses of the control plane's REST API (/api/v1): the control plane
 * validates and documents them (OpenAPI) with these schemas, and the
 * dashboard takes its types from them, so the two cannot drift apart.
 */

const url = z.string().describe('URL');

export const IngestUrlsSchema = z
  .object({
    rtmp: url.describe('RTMP publish URL with the key (OBS: server `rtmpServer`, key `streamKey`).'),
    rtmpServer: url.describe('RTMP server URL without the key.'),
    rtmps: url.optional().describe('RTMPS publish URL with the key, when RTMPS is configured.'),
    srt: url.describe(
      'SRT publish URL (FFmpeg / OBS form) with the key in the streamid, written as-is (`#!::r=live/{key},m=publish`, not percent-encoded: FFmpeg and srt-live-transmit pass query values through undecoded). When the stream has SRT settings it adds `&passphrase=…&pbkeylen=N` and `&latency=` in MICROseconds (the unit of FFmpeg and OBS; srt-live-transmit takes `latency` in milliseconds: use `srt.latencyMs` of the stream there).',
    ),
    srtStreamId: z
      .string()
      .describe(
        'The SRT streamid alone (secret: it holds the key), for encoders with a separate stream-id field or tools that need it percent-encoded in a URL.',
      ),
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
    srt: url.describe(
      'SRT playback (MPEG-TS): `srt://HOST:9000?streamid=#!::r=live/{id},m=request`; for a private stream the token goes into the streamid as `,s={token}` instead of `?token=`.',
    ),
    snapshot: url.describe('Snapshot JPEG through the control plane.'),
  })
  .describe('PlaybackUrls (private streams need `?token=` on each; SRT carries it as `,s={token}` in the streamid)');

/** A stream's SRT publish settings as every view shows them: whether a passphrase is set, never the passphrase. */
export const SrtSettingsViewSchema = z
  .object({
    passphraseSet: z.boolean().describe('An SRT publisher must bring the passphrase (AES encryption); it is shown only with the stream key.'),
    keyLength: z
      .union([z.literal(16), z.literal(24), z.literal(32)])
      .nullable()
      .describe('AES key length in bytes (16 = AES-128, 24 = AES-192, 32 = AES-256) when a passphrase is set; null without one.'),
    latencyMs: z.number().int().nullable().describe('SRT latency in milliseconds the ingest listener applies to this stream; null = the ingest default.'),
  })
  .describe('SrtSettings');

export const CreatedStreamSchema = z
  .object({
    id: StreamIdSchema,
    name: z.string(),
    streamKey: z.string().describe('The secret publish key. Shown only here and in the rotate-key response.'),
    private: z.boolean(),
    record: z.boolean(),
    srt: SrtSettingsViewSchema,
    ingest: IngestUrlsSchema,
    playback: PlaybackUrlsSchema,
  })
  .describe('CreatedStream');

export const RotatedKeySchema = z
  .object({
    id: StreamIdSchema,
    streamKey: z.string().describe('The new key; the old one no longer works.'),
    srt: SrtSettingsViewSchema,
    ingest: IngestUrlsSchema,
    kicked: z.boolean(),
  })
  .describe('RotatedKey');

const viewerCount = z.number().int().nonnegative();

const stat = SrtLinkStatsSchema.shape;
/** SrtLinkStats with a description per field for the OpenAPI document (same validation as the contract). */
export const SrtLinkViewSchema = z
  .object({
    rttMs: stat.rttMs.describe('Smoothed round-trip time, ms.'),
    bandwidthKbps: stat.bandwidthKbps.describe('Estimated link bandwidth, kb/s.'),
    receiveRateKbps: stat.receiveRateKbps.describe('Receiving rate over the last sample, kb/s.'),
    packetsReceived: stat.packetsReceived.describe('Packets received since the connection began.'),
    packetsLost: stat.packetsLost.describe('Packets found missing (most are then recovered by retransmission).'),
    packetsRetransmitted: stat.packetsRetransmitted.describe('Retransmitted packets received.'),
    packetsDropped: stat.packetsDropped.describe('Packets given up on: too late to play within the latency.'),
    receiveBufferMs: stat.receiveBufferMs.describe('Receive buffer occupancy, ms of media.'),
    latencyMs: stat.latencyMs.describe('Negotiated SRT latency, ms.'),
  })
  .describe('SrtLink');

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
    srt: viewerCount.optional().describe('SRT players (m=request, MPEG-TS) on the ingest node (when it reports them).'),
  })
  .describe('Viewers per playback protocol (internal pulls excluded).');

/** How a WebRTC bridge carries an RTMP/SRT stream's video: copied (H.264 without B-frames) or encoded again. */
export const WebrtcBridgeModeSchema = z.enum(['passthrough', 'reencode']);
export type WebrtcBridgeMode = z.infer<typeof WebrtcBridgeModeSchema>;

/** One SFU node's RTMP/SRT → WebRTC bridge of a stream, as that node last reported it. */
export const WebrtcBridgeViewSchema = z
  .object({
    node: z.string().describe('Instance id of the SFU node running the bridge.'),
    mode: WebrtcBridgeModeSchema.describe(
      '`passthrough`: the H.264 is copied into RTP; `reencode`: the video is encoded again (B-frames, other profiles or codecs).',
    ),
    viewers: viewerCount.describe('WHEP viewers the bridge serves on that node.'),
    startedAt: z.string().describe('When the bridge started (its first viewer asked).'),
  })
  .describe('WebrtcBridge');
export type WebrtcBridgeView = z.infer<typeof WebrtcBridgeViewSchema>;

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
    link: SrtLinkViewSchema.nullable().describe(
      "Link statistics of the publisher's connection as its ingest node last sampled them (SRT publishers); null for protocols without them.",
    ),
    webrtcBridges: z
      .array(WebrtcBridgeViewSchema)
      .describe(
        'The SFU nodes bridging the stream to WebRTC viewers right now (RTMP and SRT streams; empty when nobody watches it over WHEP, and for WHIP streams, which need no bridge). Their viewers count in `viewers.whep`.',
      ),
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
    srt: SrtSettingsViewSchema,
    live: z.boolean(),
    state: LiveStateViewSchema.nullable().describe('Live state gathered from the ingest node (HLS viewers from the edges); null when nobody publishes.'),
    renditions: z.array(RenditionSchema).describe('HLS renditions the transcode ladder serves for the current session.'),
    ingest: IngestUrlsSchema.omit({ rtmp: true, rtmps: true, srt: true, srtStreamId: true })
      .extend({ srtServer: url })
      .describe('Publish endpoints without the key.'),
    playback: PlaybackUrlsSchema,
  })
  .describe('Stream');
export type StreamView = z.infer<typeof StreamViewSchema>;

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

export const TakeoverResultSchema = z
  .object({
    id: StreamIdSchema,
    wasLive: z.boolean().describe('Whether a publisher was live when the takeover was granted.'),
    expiresAt: z.iso.datetime().describe('The next publisher with the key must arrive before this; afterwards a live stream refuses it again.'),
  })
  .describe('TakeoverResult');

export type LiveStateView = z.infer<typeof LiveStateViewSchema>;
export type SrtSettingsView = z.infer<typeof SrtSettingsViewSchema>;
export type SrtLinkView = z.infer<typeof SrtLinkViewSchema>;
export type ViewersView = z.infer<typeof ViewersViewSchema>;
export type IngestUrlsView = z.infer<typeof IngestUrlsSchema>;
export type PlaybackUrlsView = z.infer<typeof PlaybackUrlsSchema>;
export type StreamList = z.infer<typeof StreamListSchema>;
export type CreatedStream = z.infer<typeof CreatedStreamSchema>;
export type RotatedKey = z.infer<typeof RotatedKeySchema>;
export type PlaybackToken = z.infer<typeof PlaybackTokenSchema>;
export type KickResult = z.infer<typeof KickResultSchema>;
export type TakeoverResult = z.infer<typeof TakeoverResultSchema>;

export const NodeViewSchema = z
  .object({
    app: AppNameSchema,
    id: z.string().describe('Instance id.'),
    version: z.string(),
    address: z.string().describe('Address other services reach it on (MEDIAPLANE_ADVERTISE_HOST).'),
    ports: z.record(z.string(), z.number().int()).describe('Bound ports by listener name (http, rtmp, srt, …).'),
    health: z.enum(['ready', 'not-ready']),
    load: NodeLoadSchema,
    facts: z
      .record(z.string(), z.string())
      .describe('What the instance runs on, e.g. the SFU engine (`engine`: mediasoup or werift) and its memory allocator (`malloc`: jemalloc or system).'),
    startedAt: z.string(),
    lastSeenAt: z.string(),
  })
  .describe('Node');

export const NodeListSchema = z.object({ nodes: z.array(NodeViewSchema) }).describe('NodeList');
export type NodeView = z.infer<typeof NodeViewSchema>;
export type NodeList = z.infer<typeof NodeListSchema>;

export const DeviceViewSchema = DeviceInfoSchema.extend({
  agent: z.object({ id: z.string(), host: z.string() }).describe('The capture agent that has the device.'),
  present: z.boolean().describe('False while a capture runs on for a device that has gone (the slate is shown).'),
  capture: CaptureStateSchema.extend({ playback: PlaybackUrlsSchema })
    .optional()
    .describe('The running capture: stream, output, state, fps, bitrate, restarts, input events, playback URLs.'),
}).describe('Device');
export type DeviceView = z.infer<typeof DeviceViewSchema>;
export const DeviceListSchema = z.object({ devices: z.array(DeviceViewSchema) }).describe('DeviceList');
export type DeviceList = z.infer<typeof DeviceListSchema>;

export const StartedCaptureSchema = z
  .object({
    streamId: StreamIdSchema,
    deviceId: DeviceIdSchema,
    output: AgentCaptureOutputSchema,
    quality: CaptureQualitySchema,
    state: CaptureStateNameSchema,
    playback: PlaybackUrlsSchema,
  })
  .describe('StartedCapture');
export type StartedCapture = z.infer<typeof StartedCaptureSchema>;
export const StoppedCaptureSchema = z
  .object({ deviceId: DeviceIdSchema, wasCapturing: z.boolean(), streamId: StreamIdSchema.optional() })
  .describe('StoppedCapture');
export type StoppedCapture = z.infer<typeof StoppedCaptureSchema>;
