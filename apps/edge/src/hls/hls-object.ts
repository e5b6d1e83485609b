/**
 * What a viewer asks for under `/hls/{streamId}/`: the path and nothing else
 * of the query but, where LL-HLS is on (`EDGE_LL_HLS`), the delivery
 * directives of media playlists (`_HLS_msn`, `_HLS_part`, `_HLS_skip`),
 * which go on to the origin and into the cache key, so blocking playlist
 * reloads and partial segments (`p{msn}.{part}-….ts|m4s`) need no new
 * routing. Any other parameter (`token`, `vsid` are read apart, for access
 * and counting) never reaches the cache key or the origin: a client cannot
 * turn junk values into origin fetches.
 */
export type HlsObject =
  | { kind: 'master' }
  | { kind: 'thumbnail' }
  | { kind: 'media'; rendition: string; directives: MediaDirectives }
  | { kind: 'segment'; rendition: string; name: string };

export interface MediaDirectives {
  msn?: number;
  part?: number;
  skip?: 'YES' | 'v2';
}

export type HlsRequest = { streamId: string; object: HlsObject };

export class HlsPathError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
    this.name = 'HlsPathError';
  }
}

const STREAM_ID = /^[A-Za-z0-9_-]{1,64}$/;
const RENDITION = /^[a-z0-9_-]{1,32}$/;
const SEGMENT = /^[a-z0-9][a-z0-9_-]{0,63}(\.[0-9]{1,6})?(-[a-z0-9]{1,16})?\.(ts|m4s|mp4|aac)$/;

/**
 * Parses the raw request path (before any decoding) and query. Nothing in an
 * HLS path needs percent-encoding, dot segments or backslashes, so any of
 * those is refused outright: path traversal never reaches a lookup.
 */
export function parseHlsRequest(rawPath: string, query: URLSearchParams, options: { llHls: boolean }): HlsRequest {
  if (!rawPath.startsWith('/hls/')) throw new HlsPathError(404, 'not an HLS path');
  const rest = rawPath.slice('/hls/'.length);
  if (/%|\\|\0/.test(rest)) throw new HlsPathError(400, 'path: encoded characters and backslashes are not allowed');
  const parts = rest.split('/');
  if (parts.some((p) => p === '..' || p === '.')) throw new HlsPathError(400, 'path: dot segments (path traversal) are not allowed');
  if (parts.some((p) => p === '')) throw new HlsPathError(400, 'path: empty segments are not allowed');
  const [streamId, second, third, ...extra] = parts as [string, string | undefined, string | undefined, ...string[]];
  if (!STREAM_ID.test(streamId)) throw new HlsPathError(400, 'streamId: must be 1-64 of A-Z a-z 0-9 _ -');
  if (extra.length > 0 || second === undefined) throw new HlsPathError(404, 'unknown HLS object');
  if (third === undefined) {
    if (second === 'master.m3u8') return { streamId, object: { kind: 'master' } };
    if (second === 'thumbnail.jpg') return { streamId, object: { kind: 'thumbnail' } };
    throw new HlsPathError(404, 'unknown HLS object');
  }
  if (!RENDITION.test(second)) throw new HlsPathError(400, 'rendition: must be 1-32 of a-z 0-9 _ -');
  if (third === 'index.m3u8') return { streamId, object: { kind: 'media', rendition: second, directives: options.llHls ? parseDirectives(query) : {} } };
  if (!SEGMENT.test(third)) throw new HlsPathError(404, 'unknown HLS object');
  return { streamId, object: { kind: 'segment', rendition: second, name: third } };
}

function parseDirectives(query: URLSearchParams): MediaDirectives {
  const directives: MediaDirectives = {};
  const msn = query.get('_HLS_msn');
  const part = query.get('_HLS_part');
  const skip = query.get('_HLS_skip');
  if (msn !== null) directives.msn = nonNegativeInt('_HLS_msn', msn);
  if (part !== null) {
    if (msn === null) throw new HlsPathError(400, '_HLS_part: requires _HLS_msn');
    directives.part = nonNegativeInt('_HLS_part', part);
  }
  if (skip !== null) {
    if (skip !== 'YES' && skip !== 'v2') throw new HlsPathError(400, '_HLS_skip: must be YES or v2');
    directives.skip = skip;
  }
  return directives;
}

function nonNegativeInt(name: string, value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new HlsPathError(400, `${name}: must be a non-negative integer`);
  return Number(value);
}

/** The object's path below the stream on the origin, with delivery directives. */
export function originPath(object: HlsObject): string {
  switch (object.kind) {
    case 'master':
      return 'master.m3u8';
    case 'thumbnail':
      return 'thumbnail.jpg';
    case 'segment':
      return `${object.rendition}/${object.name}`;
    case 'media': {
      const q = new URLSearchParams();
      if (object.directives.msn !== undefined) q.set('_HLS_msn', String(object.directives.msn));
      if (object.directives.part !== undefined) q.set('_HLS_part', String(object.directives.part));
      if (object.directives.skip !== undefined) q.set('_HLS_skip', object.directives.skip);
      const query = q.toString();
      return `${object.rendition}/index.m3u8${query ? `?${query}` : ''}`;
    }
  }
}

export function isPlaylist(object: HlsObject): boolean {
  return object.kind === 'master' || object.kind === 'media';
}
