import { randomBytes } from 'node:crypto';
import { hmacBase64url, signatureMatches } from './hmac';

/**
 * HLS viewer session ids (`vsid=` on the URIs of playlists an edge serves):
 * 16 random characters (96 bits) then the first 16 characters (96 bits) of
 * an HMAC-SHA256 over the stream id and those random characters, with
 * MEDIAPLANE_PLAYBACK_SECRET. Only an edge mints them, so a client cannot
 * make up new viewers by inventing values; any edge verifies them without a
 * round-trip (one viewer moving between edges keeps its id), and one minted
 * for a stream means nothing on another. URL-safe, 32 characters.
 */
const RANDOM_CHARS = 16;
const SIGNATURE_CHARS = 16;
const SHAPE = /^[A-Za-z0-9_-]{32}$/;

export function mintViewerSessionId(secret: string, streamId: string): string {
  const random = randomBytes((RANDOM_CHARS * 3) / 4).toString('base64url');
  return `${random}${signatureOf(secret, streamId, random)}`;
}

export function verifyViewerSessionId(secret: string, streamId: string, value: string | null | undefined): boolean {
  if (!value || !SHAPE.test(value)) return false;
  const random = value.slice(0, RANDOM_CHARS);
  return signatureMatches(signatureOf(secret, streamId, random), value.slice(RANDOM_CHARS));
}

function signatureOf(secret: string, streamId: string, random: string): string {
  // The `vsid1` prefix keeps these signatures apart from those of tokens made with the same secret.
  return hmacBase64url(secret, `vsid1.${streamId}.${random}`).slice(0, SIGNATURE_CHARS);
}
