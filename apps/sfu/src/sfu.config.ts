import { z } from 'zod';
import { commonConfigShape, count, flag, millis, playbackSecretShape, port } from '@mediaplane/config';

export const sfuConfigSchema = z
  .object({
    ...commonConfigShape,
    ...playbackSecretShape,
    SFU_HTTP_PORT: port(8083).describe('HTTP port: WHIP (/whip/{streamId}), WHEP (/whep/{streamId}), rooms (ws /rooms/{roomId}), health, readiness, metrics.'),
    SFU_ENGINE: z
      .enum(['auto', 'mediasoup', 'werift'])
      .default('auto')
      .describe(
        'WebRTC engine: mediasoup (C++ workers, the production engine), werift (pure TypeScript), or auto: mediasoup whenever its worker exists (MEDIASOUP_WORKER_BIN or the one its npm install fetched), werift otherwise.',
      ),
    SFU_MALLOC: z
      .enum(['auto', 'jemalloc', 'system'])
      .default('auto')
      .describe(
        "Memory allocator: auto starts the SFU on jemalloc when Debian's libjemalloc2 is installed (forwarding's per-packet buffers made glibc's malloc a quarter of its CPU), jemalloc requires it, system keeps glibc's. Read before anything else runs (see apps/sfu/README.md).",
      ),
    SFU_RTC_LISTEN_IP: z.string().default('0.0.0.0').describe('Address the WebRTC (ICE) sockets bind to.'),
    SFU_RTC_ANNOUNCED_ADDRESS: z
      .string()
      .optional()
      .describe('Address written into ICE candidates: the public or pod address browsers can reach (default: MEDIAPLANE_ADVERTISE_HOST).'),
    SFU_RTC_MIN_PORT: port(40000).describe('Lowest UDP/TCP port of the WebRTC range.'),
    SFU_RTC_MAX_PORT: port(40999).describe('Highest UDP/TCP port of the WebRTC range.'),
    SFU_WORKERS: z.coerce.number().int().min(0).max(64).default(0).describe('mediasoup worker processes; 0 = one per core.'),
    SFU_MAX_SDP_BYTES: count(32 * 1024).describe('Largest SDP offer (or trickle fragment) accepted; larger bodies get 413.'),
    SFU_MAX_CANDIDATES_PER_PATCH: count(32).describe('ICE candidates one PATCH may trickle.'),
    SFU_MAX_PEERS: count(2000).describe('WebRTC peers (WHIP, WHEP and room connections) this node accepts in total.'),
    SFU_MAX_PEERS_PER_ADDRESS: count(100).describe('WebRTC peers one remote address may hold at a time.'),
    SFU_CONSUMER_CAPACITY: count(1200).describe(
      'Consumers (one per viewer track) this node announces it can carry, for placement; measure yours with `npm run bench -- sfu-fanout`.',
    ),
    SFU_CONNECT_TIMEOUT_MS: millis(20_000).describe('A peer whose ICE and DTLS have not connected this long after its answer is closed.'),
    SFU_STATS_INTERVAL_MS: millis(2000).describe(
      'How often a WHIP stream writes its live state (media, bitrate, viewers) to Redis, and the node reports its RTMP/SRT → WebRTC bridges; either expires after three missed updates.',
    ),
    SFU_ROOM_MAX_PARTICIPANTS: count(50).describe('Participants one room may hold.'),
    SFU_ROOM_MESSAGES_PER_SECOND: count(50).describe('Signalling messages one room participant may send per second; more are answered with an error.'),
    SFU_ROOM_INPUT_PER_SECOND: count(20).describe(
      'Remote-input events (`device-input` on a room data channel) one participant with the control grant may send per second; more are refused.',
    ),
    SFU_FFMPEG_PATH: z.string().min(1).default('ffmpeg').describe('FFmpeg binary of both bridges (RTMP → WebRTC, and WHIP → ingest).'),
    SFU_BRIDGE_IDLE_STOP_MS: millis(5000).describe(
      'The RTMP → WebRTC bridge of a stream (its FFmpeg) stops this long after its last WHEP viewer left; a viewer coming back sooner finds it running.',
    ),
    SFU_BRIDGE_KEYFRAME_INTERVAL_MS: millis(1000).describe(
      'When the bridge re-encodes (H.264 with B-frames, other codecs): a keyframe at least this often. It bounds the GOP replayed to a joining viewer and how soon it moves from the catch-up layer to the main one.',
    ),
    SFU_BRIDGE_MEDIA_WAIT_MS: millis(5000).describe(
      "A WHEP viewer arriving while a stream's codecs are not known yet (the first moments of a publish, before its decoder configurations came) waits this long for them; then 503 (try again).",
    ),
    SFU_BRIDGE_VIDEO_BITRATE_KBPS: count(2500).describe('Video bitrate of the bridge when it re-encodes, in kbit/s.'),
    SFU_BRIDGE_STALL_TIMEOUT_MS: millis(10_000).describe(
      'A bridge whose FFmpeg passed no media for this long ends (its viewers are disconnected and reconnect to a fresh one).',
    ),
    SFU_MAX_INCOMING_BITRATE: count(8_000_000).describe('Ceiling on what one publisher may send, in bits per second.'),
    SFU_INGEST_BRIDGE: flag(true).describe(
      'Relay every WHIP stream into a ready ingest node (found in the cluster view) so it gets FLV playback, the HLS ladder, snapshots and recording; needs the mediasoup engine.',
    ),
    SFU_INGEST_BRIDGE_KEYFRAME_INTERVAL_MS: millis(2000).describe(
      'How often the ingest bridge asks a WHIP publisher for a keyframe (WebRTC sends none unasked): the GOP of the relayed stream.',
    ),
    SFU_INGEST_BRIDGE_VIDEO_KBPS: count(2500).describe('Bitrate of the H.264 encode when a WHIP publisher sends VP8 (H.264 is relayed as is).'),
    SFU_INGEST_BRIDGE_ANNOUNCE_WAIT_MS: millis(8000).describe(
      'How long a bridged WHIP stream waits for the relay to reach the ingest before announcing stream.started without a pull URL.',
    ),
  })
  .superRefine((config, ctx) => {
    if (config.SFU_RTC_MAX_PORT <= config.SFU_RTC_MIN_PORT) {
      ctx.addIssue({ code: 'custom', path: ['SFU_RTC_MAX_PORT'], message: 'must be above SFU_RTC_MIN_PORT' });
    }
  });
export type SfuConfig = z.infer<typeof sfuConfigSchema>;
