import { hash, randomBytes } from 'node:crypto';

/** Query parameter the edge adds to the URIs of the playlists it serves, naming one player's session. */
export const SESSION_PARAM = 'vsid';
const SESSION_ID = /^[A-Za-z0-9_-]{16,32}$/;
const MAX_PART = 512;

/** A new viewer session id: 96 random bits, URL-safe. */
export function newSessionId(): string {
  return randomBytes(12).toString('base64url');
}

/** The session id a request carries, when it has the right shape; anything else is ignored. */
export function sessionIdOf(query: URLSearchParams): string | undefined {
  const value = query.get(SESSION_PARAM);
  return value !== null && SESSION_ID.test(value) ? value : undefined;
}

export interface ViewerClue {
  sessionId?: string;
  address?: string;
  userAgent?: string;
  token?: string | null;
}

/**
 * Tells viewers apart without keeping anything secret or personal. A player
 * that started at the master playlist carries the session id the edge gave
 * it; one that did not (a media playlist opened directly) is known by a
 * keyed hash of its address, user agent and playback token signature: the
 * raw address and token never leave this function, and the secret
 * per-process key keeps the hash from being reversed by trying every
 * address. (SHA-256 over key and clue in one call: an HMAC object per
 * request costs twenty times more, and length extension is no concern for
 * an id that is only compared.)
 */
export class ViewerIdentity {
  private readonly key = randomBytes(32).toString('base64');

  idOf(clue: ViewerClue): string {
    if (clue.sessionId) return `s:${clue.sessionId}`;
    const material = `${this.key}\0${bounded(clue.address)}\0${bounded(clue.userAgent)}\0${bounded(signatureOf(clue.token))}`;
    return `h:${hash('sha256', material, 'base64url').slice(0, 22)}`;
  }
}

/** The signature part of a playback token (`v1.<id>.<exp>.<scope>.<sig>`): tells apart viewers given different tokens. */
function signatureOf(token: string | null | undefined): string {
  if (!token) return '';
  return token.slice(token.lastIndexOf('.') + 1);
}

function bounded(value: string | undefined): string {
  return (value ?? '').slice(0, MAX_PART);
}
