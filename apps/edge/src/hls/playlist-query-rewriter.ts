/**
 * Players resolve relative URIs against the playlist URL *without* its query,
 * so a private stream's `?token=` (and the viewer's session id) would be lost
 * on the way to child playlists and segments. The edge appends them to every
 * URI of a playlist it serves (plain URI lines and `URI="…"` attributes,
 * which LL-HLS tags use).
 */
export function addQueryToPlaylist(playlist: string, params: ReadonlyArray<readonly [name: string, value: string]>): string {
  if (params.length === 0) return playlist;
  const query = params.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&');
  const withQuery = (uri: string) => `${uri}${uri.includes('?') ? '&' : '?'}${query}`;
  return playlist
    .split('\n')
    .map((line) => {
      const trimmed = line.trim();
      if (trimmed === '') return line;
      if (!trimmed.startsWith('#')) return withQuery(trimmed);
      return line.replace(/URI="([^"]*)"/g, (_all, uri: string) => `URI="${withQuery(uri)}"`);
    })
    .join('\n');
}
