import type { AccessVerdict } from '../access/playback-access';
import { SESSION_PARAM } from '../viewers/viewer-identity';
import type { HlsObject } from './hls-object';

export interface PlaylistRequest {
  kind: HlsObject['kind'];
  isPrivate: boolean;
  token: string | null;
  scope: Extract<AccessVerdict, { ok: true }>['scope'];
  /** `EDGE_VIEWER_SESSION_IDS`. */
  sessionIds: boolean;
  /** The valid (edge-signed) session id the request carried, if any. */
  sessionId: string | undefined;
  /** Mints a new signed session id for this stream. */
  newSessionId: () => string;
}

export interface PlaylistQuery {
  /** Appended to every URI of the playlist served. */
  params: Array<[string, string]>;
  /** The body is this requester's own: no shared cache may keep it. */
  personal: boolean;
}

/**
 * What a playlist served to this requester must pass on to the URIs it lists,
 * since players drop the playlist's own query when resolving them:
 * - the token, for private streams, and for valid tokens on public ones, so
 *   an internal fetch stays internal (uncounted) all the way down;
 * - the viewer's session id: a freshly minted one on the master (unless the
 *   request brought a valid one), the one the request carried on media
 *   playlists. Internal
 *   fetches get none; they are not viewers.
 */
export function playlistQuery(req: PlaylistRequest): PlaylistQuery {
  const params: Array<[string, string]> = [];
  const passToken = req.token !== null && (req.isPrivate || req.scope !== 'anonymous');
  if (req.token !== null && passToken) params.push(['token', req.token]);
  let session: string | undefined;
  if (req.sessionIds && req.scope !== 'internal') session = req.kind === 'master' ? (req.sessionId ?? req.newSessionId()) : req.sessionId;
  if (session) params.push([SESSION_PARAM, session]);
  return { params, personal: req.isPrivate || passToken || (session !== undefined && req.kind === 'master') };
}
