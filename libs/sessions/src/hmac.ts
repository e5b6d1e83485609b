import { createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC-SHA256 of `body`, base64url: the signature of every platform-signed string (tokens, viewer session ids). */
export function hmacBase64url(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

/** Constant-time comparison of a given signature with the expected one. */
export function signatureMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
