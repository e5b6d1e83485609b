/**
 * Players resolve relative URIs against the playlist URL *without* its query,
 * so a private stream's `?token=` would be lost on the way to child playlists
 * and segments. The edge appends it to every URI of a playlist it serves
 * (plain URI lines and `URI="…"` attributes, which LL-HLS tags use).
 */
export function addTokenToPlaylist(playlist: string, token: string): string {
  const param = `token=${encodeURIComponent(token)}`;
  const withToken = (uri: string) => `${uri}${uri.includes('?') ? '&' : '?'}${param}`;
  return playlist
    .split('\n')
    .map((line) => {
      const trimmed = line.trim();
      if (trimmed === '') return line;
      if (!trimmed.startsWith('#')) return withToken(trimmed);
      return line.replace(/URI="([^"]*)"/g, (_all, uri: string) => `URI="${withToken(uri)}"`);
    })
    .join('\n');
}
