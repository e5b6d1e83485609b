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

/** The `token` query parameter when it is a single string (express may hand over arrays and objects). */
export function playbackToken(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * The token of an HTTP-FLV request: `?token=` (players) or `Authorization:
 * Bearer` (platform pulls, which keep their tickets out of URLs and of their
 * FFmpeg's command line). The query wins when both are given.
 */
export function requestPlaybackToken(query: unknown, authorization: string | undefined): string | undefined {
  const fromQuery = playbackToken(query);
  if (fromQuery) return fromQuery;
  const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(authorization ?? '');
  return match?.[1];
}
