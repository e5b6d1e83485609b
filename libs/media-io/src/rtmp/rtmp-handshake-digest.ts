import { createHmac, timingSafeEqual } from 'node:crypto';
import { RTMP_HANDSHAKE_SIZE } from './rtmp-constants';

/**
 * The "complex" (digest) handshake introduced with Flash Player 9. The keys
 * are the well-known constants embedded in Flash Player / FMS and reproduced
 * by librtmp, FFmpeg, nginx-rtmp and SRS. Players (and FFmpeg when playing)
 * verify the server's S1/S2 digests and refuse to proceed without them, which
 * is why a server must implement this and not just echo C1.
 */
const SHARED_KEY_TAIL = Buffer.from('f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae', 'hex');

/** "Genuine Adobe Flash Player 001" + 32 bytes: the client key (62 bytes). */
export const RTMP_FP_KEY = Buffer.concat([Buffer.from('Genuine Adobe Flash Player 001', 'latin1'), SHARED_KEY_TAIL]);

/** "Genuine Adobe Flash Media Server 001" + 32 bytes: the server key (68 bytes). */
export const RTMP_FMS_KEY = Buffer.concat([Buffer.from('Genuine Adobe Flash Media Server 001', 'latin1'), SHARED_KEY_TAIL]);

/** C1 digests use only the text part of the client key. */
export const RTMP_FP_KEY_PARTIAL = RTMP_FP_KEY.subarray(0, 30);

/** S1 digests use only the text part of the server key. */
export const RTMP_FMS_KEY_PARTIAL = RTMP_FMS_KEY.subarray(0, 36);

const DIGEST_LENGTH = 32;

/**
 * Where the 4 offset bytes live for each scheme. Scheme 0 (offset bytes at 8,
 * digest in the first half) is what FFmpeg and librtmp send; scheme 1 (offset
 * bytes at 772) is what newer Flash Players send. Servers must accept both.
 */
export type RtmpDigestScheme = 0 | 1;

const SCHEME_OFFSET_BASE: Record<RtmpDigestScheme, number> = { 0: 8, 1: 772 };

export function hmacSha256(key: Buffer, ...data: Buffer[]): Buffer {
  const hmac = createHmac('sha256', key);
  for (const part of data) hmac.update(part);
  return hmac.digest();
}

/** Position of the 32-byte digest inside a 1536-byte C1/S1 for the given scheme. */
export function rtmpDigestOffset(packet: Buffer, scheme: RtmpDigestScheme): number {
  const base = SCHEME_OFFSET_BASE[scheme];
  const sum = (packet[base] ?? 0) + (packet[base + 1] ?? 0) + (packet[base + 2] ?? 0) + (packet[base + 3] ?? 0);
  return (sum % 728) + base + 4;
}

/** HMAC over the packet with the digest bytes themselves left out. */
function computeDigest(packet: Buffer, offset: number, key: Buffer): Buffer {
  return hmacSha256(key, packet.subarray(0, offset), packet.subarray(offset + DIGEST_LENGTH, RTMP_HANDSHAKE_SIZE));
}

/** Writes a valid digest into `packet` (1536 bytes) using the given scheme; returns its offset. */
export function imprintRtmpDigest(packet: Buffer, scheme: RtmpDigestScheme, key: Buffer): number {
  const offset = rtmpDigestOffset(packet, scheme);
  computeDigest(packet, offset, key).copy(packet, offset);
  return offset;
}

export interface RtmpDigestMatch {
  scheme: RtmpDigestScheme;
  /** The 32 digest bytes (a copy). */
  digest: Buffer;
}

/**
 * Looks for a valid digest under either scheme. Scheme 1 is tried first to
 * match nginx-rtmp's order; the order only matters for the (astronomically
 * unlikely) case of both validating.
 */
export function findRtmpDigest(packet: Buffer, key: Buffer): RtmpDigestMatch | undefined {
  if (packet.length < RTMP_HANDSHAKE_SIZE) return undefined;
  for (const scheme of [1, 0] as const) {
    const offset = rtmpDigestOffset(packet, scheme);
    const expected = computeDigest(packet, offset, key);
    const actual = packet.subarray(offset, offset + DIGEST_LENGTH);
    if (timingSafeEqual(expected, actual)) return { scheme, digest: Buffer.from(actual) };
  }
  return undefined;
}

/**
 * Builds the response packet (S2 for a server, C2 for a client): random
 * bytes whose last 32 bytes are an HMAC keyed by HMAC(fullKey, peerDigest).
 */
export function createRtmpDigestResponse(peerDigest: Buffer, fullKey: Buffer, random: Buffer): Buffer {
  const packet = Buffer.from(random.subarray(0, RTMP_HANDSHAKE_SIZE));
  const key = hmacSha256(fullKey, peerDigest);
  hmacSha256(key, packet.subarray(0, RTMP_HANDSHAKE_SIZE - DIGEST_LENGTH)).copy(packet, RTMP_HANDSHAKE_SIZE - DIGEST_LENGTH);
  return packet;
}

/** Checks a response packet produced by createRtmpDigestResponse for our own digest. */
export function verifyRtmpDigestResponse(packet: Buffer, ourDigest: Buffer, fullKey: Buffer): boolean {
  if (packet.length < RTMP_HANDSHAKE_SIZE) return false;
  const key = hmacSha256(fullKey, ourDigest);
  const expected = hmacSha256(key, packet.subarray(0, RTMP_HANDSHAKE_SIZE - DIGEST_LENGTH));
  return timingSafeEqual(expected, packet.subarray(RTMP_HANDSHAKE_SIZE - DIGEST_LENGTH, RTMP_HANDSHAKE_SIZE));
}
