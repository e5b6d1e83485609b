import { isKeyframeStart } from './rtp-keyframe';

describe('isKeyframeStart', () => {
  describe('VP8', () => {
    it('finds a keyframe at the start of partition 0 (frame tag bit 0 clear)', () => {
      expect(isKeyframeStart('video/VP8', Buffer.from([0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a]))).toBe(true);
    });

    it('does not take an interframe, a continuation or another partition for one', () => {
      expect(isKeyframeStart('video/VP8', Buffer.from([0x10, 0x11, 0x02, 0x00]))).toBe(false);
      expect(isKeyframeStart('video/VP8', Buffer.from([0x00, 0x10, 0x02, 0x00]))).toBe(false);
      expect(isKeyframeStart('video/VP8', Buffer.from([0x11, 0x10, 0x02, 0x00]))).toBe(false);
    });

    it('skips the extended descriptor: 15-bit picture id, TL0PICIDX and TID', () => {
      // X=1,S=1 | I,L,T set | M=1 picture id (2 bytes) | TL0PICIDX | TID | frame tag (key)
      expect(isKeyframeStart('video/VP8', Buffer.from([0x90, 0xe0, 0x80, 0x01, 0x05, 0x20, 0x10, 0x02, 0x00]))).toBe(true);
      expect(isKeyframeStart('video/VP8', Buffer.from([0x90, 0xe0, 0x80, 0x01, 0x05, 0x20, 0x11, 0x02, 0x00]))).toBe(false);
      // 7-bit picture id only
      expect(isKeyframeStart('video/VP8', Buffer.from([0x90, 0x80, 0x05, 0x10]))).toBe(true);
    });

    it('is false for a truncated payload rather than throwing', () => {
      expect(isKeyframeStart('video/VP8', Buffer.from([0x90]))).toBe(false);
      expect(isKeyframeStart('video/VP8', Buffer.alloc(0))).toBe(false);
    });
  });

  describe('H.264', () => {
    it('finds IDR and SPS single NAL units, a STAP-A with SPS, and the first FU-A fragment of an IDR', () => {
      expect(isKeyframeStart('video/H264', Buffer.from([0x65, 0x88]))).toBe(true);
      expect(isKeyframeStart('video/H264', Buffer.from([0x67, 0x42]))).toBe(true);
      expect(isKeyframeStart('video/H264', Buffer.from([0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce]))).toBe(true);
      expect(isKeyframeStart('video/H264', Buffer.from([0x7c, 0x85, 0x00]))).toBe(true);
    });

    it('does not take a slice, a later FU-A fragment or a STAP-A without parameter sets for one', () => {
      expect(isKeyframeStart('video/H264', Buffer.from([0x41, 0x9a]))).toBe(false);
      expect(isKeyframeStart('video/H264', Buffer.from([0x7c, 0x05, 0x00]))).toBe(false);
      expect(isKeyframeStart('video/H264', Buffer.from([0x78, 0x00, 0x02, 0x06, 0x05]))).toBe(false);
    });

    it('stops at a STAP-A whose sizes run past the payload', () => {
      expect(isKeyframeStart('video/H264', Buffer.from([0x78, 0xff, 0xff, 0x41]))).toBe(false);
    });
  });

  it('never reports a keyframe for audio', () => {
    expect(isKeyframeStart('audio/opus', Buffer.from([0x65, 0x00]))).toBe(false);
  });
});
