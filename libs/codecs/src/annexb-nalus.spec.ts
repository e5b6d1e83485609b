import fc from 'fast-check';
import { splitAnnexBNalus } from './annexb-nalus';
import { nalusToAnnexB } from './avc-nalus';
import { VideoParseError } from './codec-errors';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('splitAnnexBNalus', () => {
  it('splits on 3- and 4-byte start codes, ignoring leading bytes and trailing zeros', () => {
    const nalus = splitAnnexBNalus(hex('ff 00000001 0910 000001 6742 0000 00000001 68ce 00'));
    expect(nalus.map((n) => n.toString('hex'))).toEqual(['0910', '6742', '68ce']);
  });

  it('returns nothing for data without a start code', () => {
    expect(splitAnnexBNalus(hex('0102030405'))).toEqual([]);
  });

  it('throws VideoParseError past maxNalus', () => {
    expect(() => splitAnnexBNalus(Buffer.from('000001aa'.repeat(5), 'hex'), 4)).toThrow(VideoParseError);
  });

  it('inverts nalusToAnnexB for NAL units that do not end in zero', () => {
    const naluArb = fc.uint8Array({ minLength: 1, maxLength: 40 }).map((a) => {
      const b = Buffer.from(a.map((x) => (x <= 3 ? x + 4 : x))); // no start-code-like bytes inside
      return b;
    });
    fc.assert(
      fc.property(fc.array(naluArb, { maxLength: 10 }), (nalus) => {
        expect(splitAnnexBNalus(nalusToAnnexB(nalus)).map((n) => n.toString('hex'))).toEqual(nalus.map((n) => n.toString('hex')));
      }),
    );
  });
});
