import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new secret stream key: 192 random bits, URL-safe, with a recognisable prefix. */
export function generateStreamKey(): string {
  return `sk_${randomBytes(24).toString('base64url')}`;
}

/** A new public stream id: 72 random bits, URL-safe. */
export function generateStreamId(): string {
  return randomBytes(9).toString('base64url');
}

/** Stream keys we issue are `sk_` + base64url; anything outside this shape cannot be a key (refused without a lookup). */
export function isStreamKeyShaped(candidate: string): boolean {
  return /^[A-Za-z0-9_-]{8,256}$/.test(candidate);
}

/**
 * Keys are stored and sent between services only as SHA-256: they are long
 * random strings, so the hash cannot be reversed and needs no salt.
 */
export function hashStreamKey(streamKey: string): string {
  return createHash('sha256').update(streamKey, 'utf8').digest('hex');
}

/** Constant-time equality of two hex digests. */
export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
