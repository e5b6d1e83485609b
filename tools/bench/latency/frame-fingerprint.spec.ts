import { frameFingerprint, uniqueVideoFingerprints } from './frame-fingerprint';
import type { SourceTag } from '../common/flv-source';

const frame = (kind: SourceTag['kind'], bytes: number[]): SourceTag => ({ type: 9, timestamp: 0, kind, data: Buffer.from(bytes) });

describe('frameFingerprint', () => {
  it('is equal for equal bytes and differs when the tail differs', () => {
    const a = Buffer.from([...Array(64).keys()]);
    const b = Buffer.from(a);
    b[63] = 0xff;
    expect(frameFingerprint(a)).toBe(frameFingerprint(Buffer.from(a)));
    expect(frameFingerprint(a)).not.toBe(frameFingerprint(b));
  });

  it('differs for different lengths with the same content words', () => {
    expect(frameFingerprint(Buffer.alloc(32))).not.toBe(frameFingerprint(Buffer.alloc(40)));
  });
});

describe('uniqueVideoFingerprints', () => {
  it('keeps video frames seen once per loop, counts repeated ones as ambiguous and ignores audio', () => {
    const frames = [
      frame('video-key', [1, 2, 3]),
      frame('video-inter', [4, 5, 6]),
      frame('video-inter', [4, 5, 6]),
      frame('audio', [7, 7, 7]),
      frame('audio', [7, 7, 7]),
    ];
    const { unique, ambiguous } = uniqueVideoFingerprints(frames);
    expect([...unique]).toEqual([frameFingerprint(Buffer.from([1, 2, 3]))]);
    expect(ambiguous).toBe(2);
  });
});
