import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Relay tokens let a platform service push a stream it already holds into an
 * ingest node (the SFU's WebRTC bridge publishing over RTMP): `r1.<streamId>.
 * <expiresAtSeconds>.<pub|prv>.<hmac>`, HMAC-SHA256 (base64url) over everything
 * before it with `MEDIAPLANE_PLAYBACK_SECRET`. They carry the publish decision
 * the ingest needs (whether the stream is private) so the ingest asks nobody.
 * Their own prefix keeps them apart from playback tokens: neither verifies as
 * the other, so a leaked internal pull token cannot publish, nor a relay token play.
 */
export interface RelayTokenClaims {
  streamId: string;
  expiresAt: Date;
  private: boolean;
}

export type RelayTokenVerdict = { ok: true; claims: RelayTokenClaims } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

const PREFIX = 'r1';
const MAX_TOKEN_LENGTH = 512;

export function signRelayToken(secret: string, claims: RelayTokenClaims): string {
  const body = `${PREFIX}.${claims.streamId}.${Math.floor(claims.expiresAt.getTime() / 1000)}.${claims.private ? 'prv' : 'pub'}`;
  return `${body}.${mac(secret, body)}`;
}

/** True when `value` has the shape of a relay token (cheap; it says nothing about validity). */
export function looksLikeRelayToken(value: string): boolean {
  return value.startsWith(`${PREFIX}.`);
}

export function verifyRelayToken(secret: string, token: string | undefined | null, now = new Date()): RelayTokenVerdict {
  if (!token || token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 5 || parts[0] !== PREFIX) return { ok: false, reason: 'malformed' };
  const [, streamId, exp, visibility, sig] = parts as [string, string, string, string, string];
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(streamId) || !/^\d{1,12}$/.test(exp) || (visibility !== 'pub' && visibility !== 'prv'))
    return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(mac(secret, parts.slice(0, 4).join('.')));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad_signature' };
  const expiresAt = new Date(Number(exp) * 1000);
  if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { streamId, expiresAt, private: visibility === 'prv' } };
}

function mac(secret: string, body: string): string {
  return createHmac('sha256', secret).update(`relay:${body}`).digest('base64url');
}
