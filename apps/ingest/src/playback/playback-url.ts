/** `{streamId}.flv` → streamId; undefined for anything else (validated later against StreamIdSchema). */
export function parseFlvPath(file: string): string | undefined {
  if (!file.endsWith('.flv') || file.length > 64 + 4) return undefined;
  const id = file.slice(0, -4);
  return id.length > 0 ? id : undefined;
}

/** `{streamId}.ts` (the internal MPEG-TS pull) → streamId; undefined for anything else. */
export function parseTsPullPath(file: string): string | undefined {
  if (!file.endsWith('.ts') || file.length > 64 + 3) return undefined;
  const id = file.slice(0, -3);
  return id.length > 0 ? id : undefined;
}

/** The `token` query parameter when it is given once and not empty (a repeated one is refused, not guessed at). */
export function queryPlaybackToken(query: URLSearchParams): string | undefined {
  const values = query.getAll('token');
  return values.length === 1 && values[0] ? values[0] : undefined;
}

/**
 * The token of an HTTP-FLV request: `?token=` (players) or `Authorization:
 * Bearer` (platform pulls, which keep their tickets out of URLs and of their
 * FFmpeg's command line). The query wins when both are given.
 */
export function requestPlaybackToken(query: URLSearchParams, authorization: string | undefined): string | undefined {
  const fromQuery = queryPlaybackToken(query);
  if (fromQuery) return fromQuery;
  const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(authorization ?? '');
  return match?.[1];
}

/** A request for one of the ingest's HTTP media streams. */
export interface PlaybackRequest {
  format: 'flv' | 'ts';
  streamId: string;
  token: string | undefined;
}

/** Longest request target read as a playback URL: a stream id, a token and room to spare. */
const MAX_PLAYBACK_URL_LENGTH = 2048;

/**
 * `/live/{streamId}.flv` (HTTP-FLV) or `/live/{streamId}.ts` (the internal MPEG-TS pull), with the
 * request's token; undefined for any other request target, a percent-encoding that does not decode,
 * or one too long.
 */
export function parsePlaybackRequest(target: string, authorization: string | undefined): PlaybackRequest | undefined {
  if (target.length > MAX_PLAYBACK_URL_LENGTH) return undefined;
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  const match = /^\/live\/([^/]+)$/.exec(path);
  if (!match) return undefined;
  let file: string;
  try {
    file = decodeURIComponent(match[1] as string);
  } catch {
    return undefined;
  }
  const flvId = parseFlvPath(file);
  const tsId = flvId === undefined ? parseTsPullPath(file) : undefined;
  const streamId = flvId ?? tsId;
  if (streamId === undefined) return undefined;
  const token = requestPlaybackToken(new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1)), authorization);
  return { format: flvId !== undefined ? 'flv' : 'ts', streamId, token };
}
