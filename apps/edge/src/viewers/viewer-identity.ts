import { hash, randomBytes } from 'node:crypto';
import { verifyViewerSessionId } from '@mediaplane/sessions';

/** Query parameter the edge adds to the URIs of the playlists it serves, naming one player's session. */
export const SESSION_PARAM = 'vsid';
const MAX_PART = 512;

/**
 * The session id a request carries, when an edge minted it for this stream
 * (its signature verifies); anything else — a value the client made up — is
 * ignored, and the viewer is known by its address and user agent instead.
 */
export function sessionIdOf(query: URLSearchParams, secret: string, streamId: string): string | undefined {
  const value = query.get(SESSION_PARAM);
  return value !== null && verifyViewerSessionId(secret, streamId, value) ? value : undefined;
}

/**
 * The group of client addresses one client controls: the address itself for
 * IPv4, the /64 prefix for IPv6 (one host is commonly given a whole /64).
 * IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are IPv4.
 */
export function addressGroupOf(address: string | undefined): string {
  if (!address) return '';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1] as string;
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.replace(/%.*$/, '').toLowerCase().split('::', 2);
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
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

  /** The viewer's client address group (see `addressGroupOf`), as a keyed hash: the per-address cap never keeps an address. */
  groupOf(address: string | undefined): string {
    return hash('sha256', `${this.key}\0${addressGroupOf(bounded(address))}`, 'base64url').slice(0, 22);
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
