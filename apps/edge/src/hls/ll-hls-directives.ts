import type { MediaDirectives } from './hls-object';

/** LL-HLS: a request may wait for at most the next two segments; further ahead is a Bad Request (RFC 8216bis §6.2.5.2). */
export const MAX_MSN_AHEAD = 2;
/** Most partial segments one segment is cut into that a request may name (a 6 s segment of 0.1 s parts is 60). */
export const MAX_PART = 63;

export type BoundedDirectives = { ok: true; directives: MediaDirectives } | { ok: false; message: string };

/**
 * Bounds a blocking playlist request to the live edge, as seen in the
 * stream's current media playlist: an `_HLS_msn` the playlist already
 * contains is satisfied, so it is dropped (and the current playlist served);
 * one more than two segments ahead, or a part number past `MAX_PART`, is
 * refused. So a client cannot make the edge wait for, or fetch, an unbounded
 * number of distinct playlist versions: at most `MAX_MSN_AHEAD` × parts.
 */
export function boundDirectives(directives: MediaDirectives, playlist: string): BoundedDirectives {
  if (directives.msn === undefined) return { ok: true, directives };
  if (directives.part !== undefined && directives.part > MAX_PART) return { ok: false, message: `_HLS_part: must be at most ${MAX_PART}` };
  const last = lastMediaSequenceOf(playlist);
  if (last === undefined) return { ok: true, directives: withoutBlocking(directives) };
  if (directives.msn > last + MAX_MSN_AHEAD) return { ok: false, message: `_HLS_msn: more than ${MAX_MSN_AHEAD} segments ahead of the live edge` };
  return { ok: true, directives: directives.msn <= last ? withoutBlocking(directives) : directives };
}

function withoutBlocking(directives: MediaDirectives): MediaDirectives {
  return directives.skip === undefined ? {} : { skip: directives.skip };
}

/** The media sequence number of the playlist's last segment; undefined for a playlist without any (or not a media playlist). */
export function lastMediaSequenceOf(playlist: string): number | undefined {
  const m = /^#EXT-X-MEDIA-SEQUENCE:(\d{1,15})\s*$/m.exec(playlist);
  const first = m ? Number(m[1]) : 0;
  const segments = playlist.match(/^#EXTINF:/gm)?.length ?? 0;
  return segments === 0 ? undefined : first + segments - 1;
}
