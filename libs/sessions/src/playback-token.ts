import { randomBytes } from 'node:crypto';
import { hmacBase64url, signatureMatches } from './hmac';

/**
 * Playback tokens: `v1.<streamId>.<expiresAtSeconds>.<scope>.<hmac>` where the
 * HMAC-SHA256 (base64url) covers everything before it. Verifiable by any
 * service holding `MEDIAPLANE_PLAYBACK_SECRET`, without a round-trip.
 * `scope` is `play` for viewers and `internal` for platform pulls
 * (transcode, SFU bridge), which may read private streams and are not
 * counted as viewers.
 *
 * A pull ticket (`signPullTicket`) is an internal token with a sixth part,
 * a nonce, before the HMAC: the ingest node it is presented to accepts it
 * once. Tickets are what goes into FFmpeg's command line, where any local
 * user can read it (`ps`): by then the ticket has been used up.
 */
export type TokenScope = 'play' | 'internal';

export interface PlaybackTokenClaims {
  streamId: string;
  expiresAt: Date;
  scope: TokenScope;
  /** Only on pull tickets: the receiving node accepts each nonce once. */
  nonce?: string;
}

export type TokenVerdict = { ok: true; claims: PlaybackTokenClaims } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' | 'wrong_stream' };

const MAX_TOKEN_LENGTH = 512;

export function signPlaybackToken(secret: string, streamId: string, expiresAt: Date, scope: TokenScope = 'play'): string {
  const body = `v1.${streamId}.${Math.floor(expiresAt.getTime() / 1000)}.${scope}`;
  return `${body}.${hmacBase64url(secret, body)}`;
}

/** How long a pull ticket is valid: long enough for FFmpeg to start and connect, no longer. */
export const PULL_TICKET_TTL_MS = 30_000;

/** A single-use internal token for one connection (see above). */
export function signPullTicket(secret: string, streamId: string, ttlMs = PULL_TICKET_TTL_MS, now = Date.now()): string {
  const body = `v1.${streamId}.${Math.ceil((now + ttlMs) / 1000)}.internal.${randomBytes(12).toString('base64url')}`;
  return `${body}.${hmacBase64url(secret, body)}`;
}

export function verifyPlaybackToken(secret: string, token: string | undefined | null, streamId: string, now = new Date()): TokenVerdict {
  if (!token || token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if ((parts.length !== 5 && parts.length !== 6) || parts[0] !== 'v1') return { ok: false, reason: 'malformed' };
  const [, id, exp, scope] = parts as [string, string, string, string];
  const sig = parts.at(-1) as string;
  const nonce = parts.length === 6 ? (parts[4] as string) : undefined;
  if (!/^\d{1,12}$/.test(exp) || (scope !== 'play' && scope !== 'internal')) return { ok: false, reason: 'malformed' };
  if (nonce !== undefined && (scope !== 'internal' || !/^[A-Za-z0-9_-]{16}$/.test(nonce))) return { ok: false, reason: 'malformed' };
  if (!signatureMatches(hmacBase64url(secret, parts.slice(0, -1).join('.')), sig)) return { ok: false, reason: 'bad_signature' };
  if (id !== streamId) return { ok: false, reason: 'wrong_stream' };
  const expiresAt = new Date(Number(exp) * 1000);
  if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { streamId: id, expiresAt, scope, ...(nonce ? { nonce } : {}) } };
}

/**
 * An internal pull URL (a live state's `pullUrl`) with a fresh single-use
 * ticket: what ingest's relay pulls connect to (transcode sends its ticket in a header, see openPull).
 */
export function pullUrlWithTicket(pullUrl: string, playbackSecret: string, streamId: string): string {
  const url = new URL(pullUrl);
  url.searchParams.set('token', signPullTicket(playbackSecret, streamId));
  return url.toString();
}
