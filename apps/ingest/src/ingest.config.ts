import { z } from 'zod';
import { commonConfigShape, count, flag, millis, playbackSecretShape, port } from '@mediaplane/config';
import { heapGrowingPercentSetting, semiSpaceMbSetting } from './v8-heap-flags';

const MiB = 1024 * 1024;

export const ingestConfigSchema = z
  .object({
    ...commonConfigShape,
    ...playbackSecretShape,
    INGEST_HTTP_PORT: port(8081).describe('HTTP port: HTTP-FLV and WebSocket-FLV play (/live/{streamId}.flv), internal snapshot, health, readiness, metrics.'),
    INGEST_RTMP_PORT: port(1935).describe('RTMP port: publish at rtmp://HOST:PORT/live/{streamKey}, play at rtmp://HOST:PORT/live/{streamId}.'),
    INGEST_RTMPS_PORT: port(1936).describe('RTMPS (RTMP over TLS) port; listens only when INGEST_TLS_CERT_FILE and INGEST_TLS_KEY_FILE are both set.'),
    INGEST_RTMP_HOST: z.string().optional().describe('Address the RTMP and RTMPS listeners bind (default: MEDIAPLANE_HTTP_HOST).'),
    INGEST_TLS_CERT_FILE: z.string().optional().describe('PEM certificate (chain) for RTMPS. RTMPS is off unless this and INGEST_TLS_KEY_FILE are set.'),
    INGEST_TLS_KEY_FILE: z.string().optional().describe('PEM private key for RTMPS.'),
    /** UDP port of the SRT listener: every SRT publisher and player of this node shares it, routed by streamid. */
    INGEST_SRT_PORT: port(9000).describe(
      'SRT port (UDP): publish at srt://HOST:PORT?streamid=#!::r=live/{streamKey},m=publish (or plain live/{streamKey}), play MPEG-TS with streamid=#!::r=live/{streamId},m=request[,s={token}].',
    ),
    /** Address the SRT listener binds. */
    INGEST_SRT_HOST: z.string().optional().describe('Address the SRT listener binds (default: MEDIAPLANE_HTTP_HOST).'),
    /** Default SRT latency; a stream's own SRT settings (from the API) override it for its publisher. */
    INGEST_SRT_LATENCY_MS: z.coerce
      .number()
      .int()
      .min(20)
      .max(8000)
      .default(120)
      .describe(
        'SRT latency (TSBPD delay) in ms when the stream sets none: how long the receiver waits for retransmissions before giving a packet up. Higher rides out lossier links, at that much added delay.',
      ),
    /** Bound on the accept decision (authorization over NATS included) made inside libsrt's listen callback. */
    INGEST_SRT_DECISION_TIMEOUT_MS: millis(1000).describe(
      "Time the SRT accept decision (parse the streamid, authorize over NATS, claim the stream) may take; past it the caller is rejected as unavailable (1503). libsrt decides on the port's receive thread, so no SRT packet of any connection on the port moves while a decision is pending: keep it short.",
    ),
    /** Cap on SRT sockets (publishers and players) the listener keeps at once. */
    INGEST_SRT_MAX_CONNECTIONS: count(1000).describe('SRT connections (publishers and players) this node accepts at once; more are rejected in the handshake.'),
    /** A publish accepted in the handshake holds the stream only until its connection comes up. */
    INGEST_SRT_ACCEPT_TIMEOUT_MS: millis(5000).describe(
      'An SRT publish accepted by the decision claims its stream at once; when its connection does not come up within this time (a wrong passphrase, a caller that gave up) the claim is released.',
    ),
    INGEST_MAX_CONNECTIONS: count(5000).describe(
      'Media connections (RTMP, RTMPS, HTTP-FLV, WebSocket-FLV) this node accepts in total; more are refused at once. SRT has its own cap (INGEST_SRT_MAX_CONNECTIONS).',
    ),
    INGEST_MAX_CONNECTIONS_PER_ADDRESS: count(200).describe(
      'Media connections one remote address may hold at a time (a NAT can hide many viewers; one attacker should not take the node).',
    ),
    INGEST_HANDSHAKE_TIMEOUT_MS: millis(10_000).describe('Time an RTMP client has to complete the handshake.'),
    INGEST_SETUP_TIMEOUT_MS: millis(30_000).describe('Time an RTMP client has from connecting until it asks to publish or play.'),
    INGEST_IDLE_TIMEOUT_MS: millis(30_000).describe(
      'RTMP connections silent this long are closed (players are pinged at half of it, so idle players stay); a publisher that sends no audio or video this long is ended (reason "timeout").',
    ),
    INGEST_VIEWER_QUEUE_BYTES: count(4 * MiB).describe(
      'Bytes a viewer may have queued unsent; past it the viewer skips forward to the next keyframe (counted as drops).',
    ),
    INGEST_VIEWER_STALL_TIMEOUT_MS: millis(10_000).describe('A viewer that stays behind (skipping) this long is disconnected.'),
    INGEST_GOP_CACHE_MAX_BYTES: count(8 * MiB).describe(
      'Largest GOP kept for instant start; a longer GOP is not cached and new viewers wait for the next keyframe.',
    ),
    /** Both applied before the config is read (v8-heap-flags.ts starts the process again); here for validation and the docs. */
    INGEST_V8_SEMI_SPACE_MB: semiSpaceMbSetting,
    INGEST_V8_HEAP_GROWING_PERCENT: heapGrowingPercentSetting,
    INGEST_FANOUT_FLUSH_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(200)
      .default(50)
      .describe(
        'How long audio and data frames may wait for the next video frame to share its write to each viewer (video is never held back); fewer writes per viewer, less CPU. 0 writes every frame at once. Internal pulls (the WebRTC bridge, transcode) are never held.',
      ),
    INGEST_FANOUT_DIRECT_SEND: flag(true).describe(
      "Send each live batch to the up-to-date viewers on plain TCP (HTTP-FLV, WebSocket-FLV, RTMP) with one native call per batch (the fan-out addon, libs/media-io/native) instead of a socket write per viewer; without the addon, or false, every viewer is written through Node's socket.",
    ),
    INGEST_STATS_INTERVAL_MS: millis(2000).describe(
      'How often live state (media info, bitrate, viewers) is written to Redis; the entry expires after three missed updates.',
    ),
    INGEST_PLAY_WAIT_MS: z.coerce
      .number()
      .int()
      .nonnegative()
      .default(10_000)
      .describe(
        'An RTMP player asking for a stream that is not live (on any ingest node) waits this long for its publisher before StreamNotFound (0: answer at once).',
      ),
    INGEST_RELAY_LINGER_MS: z.coerce
      .number()
      .int()
      .nonnegative()
      .default(5000)
      .describe(
        'A stream this node pulls from another ingest node for its own viewers (play from any node) stays pulled this long after its last viewer here left, so a viewer who reconnects finds it running.',
      ),
    INGEST_RELAY_CONNECT_TIMEOUT_MS: millis(5000).describe(
      'How long a viewer of a stream published on another ingest node waits for that node to deliver it before the play is refused (503; RTMP: NetStream.Play.Failed).',
    ),
    INGEST_RELAY_RECONNECT_MS: millis(10_000).describe(
      'How long a broken relay pull keeps looking the stream up and reconnecting (to whichever node holds it now) while it is still live, before its viewers here see the end.',
    ),
    INGEST_TIMESTAMP_JUMP_MS: millis(2000).describe(
      "A publisher's timestamp that leaps this much further than the wall clock (or goes back more than 100 ms) is rebased so the track stays continuous; every correction is counted in mediaplane_ingest_timestamp_corrections_total.",
    ),
    INGEST_CODEC_WAIT_MS: millis(3000).describe('How long "stream started" waits for the codec configurations before it is sent with what is known.'),
    INGEST_AUTH_BACKOFF_BASE_MS: millis(500).describe(
      'Delay before answering a publish from an address after its first failed attempt; doubles with each further failure.',
    ),
    INGEST_AUTH_BACKOFF_MAX_MS: millis(8000).describe('Cap of that delay.'),
    INGEST_AUTH_MAX_FAILURES: count(20).describe(
      'Failed publish attempts after which an address is refused without asking the control plane, until it stays quiet for INGEST_AUTH_FAILURE_WINDOW_MS.',
    ),
    INGEST_AUTH_FAILURE_WINDOW_MS: millis(10 * 60_000).describe("An address's failure count is forgotten after this long without failures."),
    INGEST_SNAPSHOT_TIMEOUT_MS: millis(5000).describe('Time allowed for FFmpeg to decode one keyframe into the snapshot JPEG.'),
    INGEST_FFMPEG_PATH: z.string().default('ffmpeg').describe('FFmpeg binary used for snapshots.'),
  })
  .superRefine((config, ctx) => {
    if (Boolean(config.INGEST_TLS_CERT_FILE) !== Boolean(config.INGEST_TLS_KEY_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: [config.INGEST_TLS_CERT_FILE ? 'INGEST_TLS_KEY_FILE' : 'INGEST_TLS_CERT_FILE'],
        message: 'RTMPS needs both INGEST_TLS_CERT_FILE and INGEST_TLS_KEY_FILE',
      });
    }
  });
export type IngestConfig = z.infer<typeof ingestConfigSchema>;
