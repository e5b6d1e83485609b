import { z } from 'zod';
import { ParticipantIdentitySchema, RoomGrantsSchema, RoomIdSchema, type RoomGrants } from '@mediaplane/contracts';
import { hmacBase64url, signatureMatches } from './hmac';

/**
 * Room tokens: `rt1.<base64url JSON claims>.<HMAC-SHA256 base64url>`, signed
 * with MEDIAPLANE_PLAYBACK_SECRET by the control plane and checked by any SFU
 * without a round-trip. The `rt1` prefix keeps them apart from playback tokens.
 */
export interface RoomTokenClaims {
  roomId: string;
  identity: string;
  grants: RoomGrants;
  expiresAt: Date;
}

export type RoomTokenVerdict = { ok: true; claims: RoomTokenClaims } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' | 'wrong_room' };

const MAX_TOKEN_LENGTH = 1024;
const ClaimsSchema = z.object({ r: RoomIdSchema, i: ParticipantIdentitySchema, g: RoomGrantsSchema, e: z.number().int().positive() });

export function signRoomToken(secret: string, claims: RoomTokenClaims): string {
  const body = Buffer.from(
    JSON.stringify({ r: claims.roomId, i: claims.identity, g: claims.grants, e: Math.floor(claims.expiresAt.getTime() / 1000) }),
  ).toString('base64url');
  return `rt1.${body}.${hmacBase64url(secret, body)}`;
}

export function verifyRoomToken(secret: string, token: string | undefined | null, roomId: string, now = new Date()): RoomTokenVerdict {
  if (!token || token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== 'rt1') return { ok: false, reason: 'malformed' };
  const [, body, sig] = parts as [string, string, string];
  if (!signatureMatches(hmacBase64url(secret, body), sig)) return { ok: false, reason: 'bad_signature' };
  let parsed;
  try {
    parsed = ClaimsSchema.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  const { r, i, g, e } = parsed.data;
  if (r !== roomId) return { ok: false, reason: 'wrong_room' };
  const expiresAt = new Date(e * 1000);
  if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { roomId: r, identity: i, grants: g, expiresAt } };
}
