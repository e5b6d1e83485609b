import { z } from 'zod';
import { commonConfigShape, count, flag, millis, playbackSecretShape, port } from '@mediaplane/config';

export const edgeConfigSchema = z.object({
  ...commonConfigShape,
  ...playbackSecretShape,
  EDGE_HTTP_PORT: port(8082).describe('HTTP port: HLS delivery (/hls/{streamId}/…), health, readiness, metrics.'),
  EDGE_CACHE_MAX_BYTES: count(256 * 1024 * 1024).describe(
    'Memory bound of the object cache (playlists and segments), in bytes; least recently used objects go first.',
  ),
  EDGE_MAX_OBJECT_BYTES: count(32 * 1024 * 1024).describe('Largest object fetched from an origin; bigger ones are refused (502).'),
  EDGE_PLAYLIST_CACHE_MS: millis(500).describe('How long a media playlist is reused before asking the origin again (keep below half a segment).'),
  EDGE_MASTER_CACHE_MS: millis(2000).describe('How long a master playlist is reused.'),
  EDGE_SEGMENT_CACHE_MS: millis(120000).describe('How long a segment stays cached (segments never change; this only bounds memory use over time).'),
  EDGE_STALE_PLAYLIST_MS: millis(30000).describe(
    'While an origin is unreachable (worker handover), serve its last playlist for up to this long instead of failing.',
  ),
  EDGE_ORIGIN_TIMEOUT_MS: millis(4000).describe('Timeout of one segment or thumbnail fetch from an origin.'),
  EDGE_ORIGIN_PLAYLIST_TIMEOUT_MS: millis(1000).describe(
    'Timeout of one playlist fetch from an origin: a hung worker is given up this fast, and viewers get the last playlist (or 503) meanwhile.',
  ),
  EDGE_ORIGIN_LOOKUP_MS: millis(1000).describe('How long the origin of a stream (from Redis) is reused; unknown streams are re-checked after half of it.'),
  EDGE_VIEWER_REPORT_MS: millis(2000).describe(
    "How often this edge writes its HLS viewer counts per stream to Redis; a report is valid for three times this, so a dead edge's viewers drop out.",
  ),
  EDGE_VIEWER_SESSION_IDS: flag(true).describe(
    'Add a viewer session id (`vsid=`, minted and signed by the edge with MEDIAPLANE_PLAYBACK_SECRET) to the URIs of served playlists, so players behind one address are counted apart; ids a client makes up are ignored. Turn off when a cache in front of the edges keys on the full URL; viewers are then told apart by address, user agent and token.',
  ),
  EDGE_VIEWER_MAX_PER_ADDRESS: count(20).describe(
    'Most HLS viewers of one stream counted from one client address (IPv6: one /64) on one edge; more players behind it are served but not counted, so one client cannot inflate the count. The edge sees the TCP peer address: behind a proxy or load balancer that hides client addresses, raise it.',
  ),
  EDGE_LL_HLS: flag(false).describe(
    'Pass the LL-HLS delivery directives `_HLS_msn`, `_HLS_part` and `_HLS_skip` on to origins (and into the cache key), bounded to the live edge. Off (origins of this version do not block): the edge ignores them, so they cannot multiply origin fetches.',
  ),
  EDGE_VIEWER_MAX_TRACKED: count(100000).describe('Most HLS viewers one edge tracks at once (memory bound); past it, new viewers are served but not counted.'),
});
export type EdgeConfig = z.infer<typeof edgeConfigSchema>;
