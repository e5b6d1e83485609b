import fc from 'fast-check';
import { avcToAnnexB, DEFAULT_MAX_NALUS, h264NaluType, H264NaluType, nalusToAnnexB, splitAvcNalus } from './avc-nalus';
import { VideoParseError } from './codec-errors';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function lengthPrefixed(nalus: Buffer[], lengthSize: number): Buffer {
  return Buffer.concat(
    nalus.flatMap((n) => {
      const prefix = Buffer.alloc(lengthSize);
      prefix.writeUIntBE(n.length, 0, lengthSize);
      return [prefix, n];
    }),
  );
}

describe('splitAvcNalus', () => {
  describe('when data is well formed', () => {
    it('returns each NAL unit without its length prefix', () => {
      const data = hex('00000002 0910' + '00000003 65aabb');
      expect(splitAvcNalus(data, 4).map((n) => n.toString('hex'))).toEqual(['0910', '65aabb']);
    });

    it('returns views of the input, not copies', () => {
      const data = hex('0002 0910');
      expect(splitAvcNalus(data, 2)[0]?.buffer).toBe(data.buffer);
    });

    it('round-trips any NAL units for every length size', () => {
      fc.assert(
        fc.property(fc.constantFrom(1, 2, 3, 4), fc.array(fc.uint8Array({ minLength: 1, maxLength: 255 }), { maxLength: 10 }), (lengthSize, arrays) => {
          const nalus = arrays.map((a) => Buffer.from(a));
          expect(splitAvcNalus(lengthPrefixed(nalus, lengthSize), lengthSize)).toEqual(nalus);
        }),
        { numRuns: 200 },
      );
    });

    it('skips zero-length entries', () => {
      expect(splitAvcNalus(hex('00 01 09'), 1).map((n) => n.toString('hex'))).toEqual(['09']);
    });
  });

  describe('when a length runs past the end of the data', () => {
    it('throws VideoParseError naming the offset', () => {
      expect(() => splitAvcNalus(hex('00000002 0910 00000005 65'), 4)).toThrow(new VideoParseError('AVC NAL unit at offset 6 claims 5 bytes, only 1 left'));
    });

    it('throws VideoParseError when a length prefix itself is cut', () => {
      expect(() => splitAvcNalus(hex('0001 09 00'), 2)).toThrow(/length prefix truncated at offset 3/);
    });
  });

  describe('when there are more NAL units than the limit', () => {
    it('throws VideoParseError before collecting them all', () => {
      const data = Buffer.alloc(2 * (DEFAULT_MAX_NALUS + 1), 0x01);
      expect(() => splitAvcNalus(data, 1)).toThrow(/more than maxNalus 1024/);
      expect(() => splitAvcNalus(hex('0109 0109 0109'), 1, { maxNalus: 2 })).toThrow(/maxNalus 2/);
    });
  });

  describe('when the length size is not 1..4', () => {
    it.each([0, 5, 2.5])('throws VideoParseError for %p', (size) => {
      expect(() => splitAvcNalus(Buffer.alloc(4), size)).toThrow(VideoParseError);
    });
  });

  describe('when given random bytes', () => {
    it('never throws anything but VideoParseError', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(1, 2, 3, 4), (bytes, size) => {
          try {
            const nalus = splitAvcNalus(Buffer.from(bytes), size);
            expect(nalus.reduce((sum, n) => sum + n.length, 0)).toBeLessThanOrEqual(bytes.length);
          } catch (error) {
            if (!(error instanceof VideoParseError)) throw error;
          }
        }),
        { numRuns: 1000 },
      );
    });
  });
});

describe('avcToAnnexB', () => {
  it('replaces length prefixes with 4-byte start codes', () => {
    expect(avcToAnnexB(hex('00000002 0910 00000003 65aabb'), 4).toString('hex')).toBe('000000010910' + '0000000165aabb');
  });

  it('writes prefix NAL units (e.g. SPS/PPS before an IDR) first', () => {
    const out = avcToAnnexB(hex('0002 65aa'), 2, { prefixNalus: [hex('6764'), hex('68ee')] });
    expect(out.toString('hex')).toBe('000000016764' + '0000000168ee' + '0000000165aa');
  });
});

describe('nalusToAnnexB', () => {
  it('returns an empty buffer for no NAL units', () => {
    expect(nalusToAnnexB([])).toHaveLength(0);
  });
});

describe('h264NaluType', () => {
  it('reads the low 5 bits of the first byte', () => {
    expect(h264NaluType(hex('65'))).toBe(H264NaluType.Idr);
    expect(h264NaluType(hex('67'))).toBe(H264NaluType.Sps);
    expect(h264NaluType(hex('09f0'))).toBe(H264NaluType.Aud);
  });
});
