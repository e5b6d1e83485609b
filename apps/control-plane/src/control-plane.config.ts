import { z } from 'zod';
import { commonConfigShape, count, list, millis, playbackSecretShape, port } from '@mediaplane/config';
import { isValidAllowlistEntry } from '@mediaplane/sessions';

/** A public base URL; optional ones default to PLATFORM.md's ports on MEDIAPLANE_PUBLIC_HOST. */
const baseUrl = (what: string, fallback: string) =>
  z
    .url({ error: 'must be an absolute URL' })
    .transform((v) => v.replace(/\/+$/, ''))
    .optional()
    .describe(`Public base URL of ${what}, as streamers and viewers reach it (default ${fallback}).`);

export const controlPlaneConfigSchema = z.object({
  ...commonConfigShape,
  ...playbackSecretShape,
  CONTROL_PLANE_HTTP_PORT: port(8080).describe('HTTP port: REST API, dashboard, OpenAPI, health, readiness, metrics.'),
  MEDIAPLANE_ADMIN_TOKEN: z
    .string({ error: 'is required (there is no built-in default; `npm run up` generates one for local use)' })
    .min(16, 'must be at least 16 characters')
    .describe('Bearer token of the admin API. Required; no default.'),
  MEDIAPLANE_PUBLIC_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:[\]-]{1,255}$/, 'must be a host name or address')
    .default('127.0.0.1')
    .describe('Host name streamers and viewers use; the default publish and playback URLs are built on it.'),
  MEDIAPLANE_PUBLIC_RTMP_URL: baseUrl('RTMP publish and play', 'rtmp://<MEDIAPLANE_PUBLIC_HOST>:1935/live'),
  MEDIAPLANE_PUBLIC_RTMPS_URL: baseUrl('RTMPS publish, only shown when set', 'unset: no RTMPS URL is shown'),
  MEDIAPLANE_PUBLIC_SRT_URL: baseUrl('SRT publish', 'srt://<MEDIAPLANE_PUBLIC_HOST>:9000'),
  MEDIAPLANE_PUBLIC_WHIP_URL: baseUrl('WHIP publish', 'http://<MEDIAPLANE_PUBLIC_HOST>:8083/whip'),
  MEDIAPLANE_PUBLIC_FLV_URL: baseUrl('HTTP-FLV play (WebSocket-FLV is the same with ws:)', 'http://<MEDIAPLANE_PUBLIC_HOST>:8081/live'),
  MEDIAPLANE_PUBLIC_HLS_URL: baseUrl('HLS play', 'http://<MEDIAPLANE_PUBLIC_HOST>:8082/hls'),
  MEDIAPLANE_PUBLIC_WHEP_URL: baseUrl('WHEP play', 'http://<MEDIAPLANE_PUBLIC_HOST>:8083/whep'),
  MEDIAPLANE_PUBLIC_ROOMS_URL: baseUrl('the SFU rooms WebSocket', 'ws://<MEDIAPLANE_PUBLIC_HOST>:8083/rooms'),
  MEDIAPLANE_PUBLIC_API_URL: baseUrl('this API (snapshot URLs point here)', 'http://<MEDIAPLANE_PUBLIC_HOST>:<CONTROL_PLANE_HTTP_PORT>/api/v1'),
  MEDIAPLANE_WEBHOOK_ALLOWLIST: list()
    .refine((entries) => entries.every(isValidAllowlistEntry), 'every entry must be a host name, an IP address or a CIDR (e.g. 10.0.0.0/8)')
    .describe(
      'Comma-separated hosts, addresses or CIDRs that webhooks may target although they are not public unicast (loopback, private, link-local, NAT64 …; e.g. 127.0.0.1,10.0.0.0/8).',
    ),
  /** Restream targets outside public unicast that outputs may name (same list on the transcode workers). */
  MEDIAPLANE_RESTREAM_ALLOWLIST: list()
    .refine((entries) => entries.every(isValidAllowlistEntry), 'every entry must be a host name, an IP address or a CIDR (e.g. 10.0.0.0/8)')
    .describe(
      'Comma-separated hosts, addresses or CIDRs restream outputs may target although they are not public unicast (loopback, private, link-local …; e.g. 127.0.0.1,10.0.0.0/8). Set the same list on the transcode workers.',
    ),
  /** Most restream outputs one stream may have. */
  CONTROL_PLANE_RESTREAM_MAX_OUTPUTS: count(8).describe('Most restream outputs (push targets) one stream may have; one more is refused with 409.'),
  CONTROL_PLANE_AUTH_FAILURE_LIMIT: count(20).describe(
    'Failed publish authorizations allowed per remote address within the window; beyond it the answer is rate_limited.',
  ),
  CONTROL_PLANE_ADMIN_AUTH_FAILURE_LIMIT: count(20).describe(
    'Wrong admin tokens allowed per remote address within the window; beyond it every admin request from that address gets 429 with Retry-After.',
  ),
  CONTROL_PLANE_AUTH_FAILURE_WINDOW_MS: millis(60_000).describe(
    'Window of the failed publish authorization and wrong admin token counts (it restarts with the first failure after it ran out).',
  ),
  CONTROL_PLANE_TAKEOVER_WINDOW_MS: millis(60_000).describe(
    'After POST /streams/{id}/takeover, how long the next publisher with the key may replace the live one; an unused takeover lapses.',
  ),
  CONTROL_PLANE_WEBHOOK_TIMEOUT_MS: millis(5000).describe('How long one webhook delivery may take (connect + response) before it counts as failed.'),
  CONTROL_PLANE_WEBHOOK_MAX_ATTEMPTS: count(12).describe('Delivery attempts per event and webhook before the delivery is given up and listed as failed.'),
  CONTROL_PLANE_WEBHOOK_RETRY_BASE_MS: millis(2000).describe('Delay before the first webhook retry; each further retry doubles it (with jitter).'),
  CONTROL_PLANE_WEBHOOK_RETRY_MAX_MS: millis(600_000).describe('Longest delay between two webhook retries.'),
  CONTROL_PLANE_WEBHOOK_CONCURRENCY: count(16).describe('Webhook deliveries one control-plane instance performs at the same time.'),
  CONTROL_PLANE_MAX_TOKEN_TTL_S: count(7 * 24 * 3600).describe('Longest lifetime, in seconds, a playback token may be issued for.'),
  CONTROL_PLANE_SNAPSHOT_TIMEOUT_MS: millis(5000).describe('How long the snapshot proxy waits for the ingest node holding the stream.'),
  CONTROL_PLANE_KV_REPLICAS: z.coerce
    .number()
    .int()
    .min(1)
    .max(5)
    .default(1)
    .describe('Replicas of the JetStream KV buckets holding stream and webhook definitions (3 on a clustered NATS).'),
  CONTROL_PLANE_WEB_DIR: z
    .string()
    .min(1)
    .optional()
    .describe('Directory of the built dashboard served at / (default apps/control-plane/web/dist in the workspace).'),
});
export type ControlPlaneConfig = z.infer<typeof controlPlaneConfigSchema>;
