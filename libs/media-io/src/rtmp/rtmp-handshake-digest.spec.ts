import { randomBytes } from 'node:crypto';
import {
  RTMP_FMS_KEY,
  RTMP_FMS_KEY_PARTIAL,
  RTMP_FP_KEY,
  RTMP_FP_KEY_PARTIAL,
  createRtmpDigestResponse,
  findRtmpDigest,
  imprintRtmpDigest,
  rtmpDigestOffset,
  verifyRtmpDigestResponse,
} from './rtmp-handshake-digest';

describe('RTMP handshake digests', () => {
  it('uses the well-known Flash Player and FMS keys', () => {
    expect(RTMP_FP_KEY).toHaveLength(62);
    expect(RTMP_FMS_KEY).toHaveLength(68);
    expect(RTMP_FP_KEY_PARTIAL.toString('latin1')).toBe('Genuine Adobe Flash Player 001');
    expect(RTMP_FMS_KEY_PARTIAL.toString('latin1')).toBe('Genuine Adobe Flash Media Server 001');
    expect(RTMP_FMS_KEY.subarray(36).toString('hex')).toBe('f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae');
  });

  it('computes the digest offset from the four bytes at 8 (scheme 0) or 772 (scheme 1)', () => {
    const packet = Buffer.alloc(1536);
    packet.set([255, 255, 255, 255], 8); // 1020 % 728 = 292
    packet.set([1, 2, 3, 4], 772);
    expect(rtmpDigestOffset(packet, 0)).toBe(292 + 12);
    expect(rtmpDigestOffset(packet, 1)).toBe(10 + 776);
  });

  it.each([0, 1] as const)('finds a digest imprinted with scheme %i and reports the scheme', (scheme) => {
    const packet = randomBytes(1536);
    const offset = imprintRtmpDigest(packet, scheme, RTMP_FP_KEY_PARTIAL);
    const match = findRtmpDigest(packet, RTMP_FP_KEY_PARTIAL);
    expect(match?.scheme).toBe(scheme);
    expect(match?.digest.equals(packet.subarray(offset, offset + 32))).toBe(true);
  });

  it('finds no digest in random bytes, with the wrong key, or after tampering', () => {
    expect(findRtmpDigest(randomBytes(1536), RTMP_FP_KEY_PARTIAL)).toBeUndefined();
    const packet = randomBytes(1536);
    imprintRtmpDigest(packet, 0, RTMP_FP_KEY_PARTIAL);
    expect(findRtmpDigest(packet, RTMP_FMS_KEY_PARTIAL)).toBeUndefined();
    packet[1535] = (packet[1535] ?? 0) ^ 1;
    expect(findRtmpDigest(packet, RTMP_FP_KEY_PARTIAL)).toBeUndefined();
    expect(findRtmpDigest(Buffer.alloc(100), RTMP_FP_KEY_PARTIAL)).toBeUndefined();
  });

  it('builds response packets that verify only against the digest they answer', () => {
    const digest = randomBytes(32);
    const response = createRtmpDigestResponse(digest, RTMP_FMS_KEY, randomBytes(1536));
    expect(response).toHaveLength(1536);
    expect(verifyRtmpDigestResponse(response, digest, RTMP_FMS_KEY)).toBe(true);
    expect(verifyRtmpDigestResponse(response, randomBytes(32), RTMP_FMS_KEY)).toBe(false);
    expect(verifyRtmpDigestResponse(response, digest, RTMP_FP_KEY)).toBe(false);
  });
});
