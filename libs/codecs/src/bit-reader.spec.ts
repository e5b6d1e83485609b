import fc from 'fast-check';
import { BitReader } from './bit-reader';
import { AudioParseError, CodecError } from './codec-errors';
import { BitWriter } from './testing/bit-writer';

describe('BitReader', () => {
  describe('when reading fixed-width fields', () => {
    it('reads MSB first across byte boundaries', () => {
      const r = new BitReader(Buffer.from([0b10110011, 0b01010101]));
      expect(r.readBits(3)).toBe(0b101);
      expect(r.readBits(7)).toBe(0b1001101);
      expect(r.readBit()).toBe(0);
      expect(r.bitsLeft).toBe(5);
    });

    it('reads 32-bit fields as unsigned numbers', () => {
      expect(new BitReader(Buffer.from('ffffffff', 'hex')).readBits(32)).toBe(0xffffffff);
    });
  });

  describe('when reading Exp-Golomb codes', () => {
    it('decodes the spec examples (ue 0..4 and se)', () => {
      // 1 010 011 00100 00101
      const r = new BitReader(Buffer.from([0b10100110, 0b01000010, 0b10000000]));
      expect([r.readUe(), r.readUe(), r.readUe(), r.readUe()]).toEqual([0, 1, 2, 3]);
      expect(r.readSe()).toBe(-2);
    });

    it('round-trips any ue/se value written by BitWriter', () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.oneof(
              fc.integer({ min: 0, max: 2 ** 32 - 2 }).map((v) => ['ue', v] as const),
              fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }).map((v) => ['se', v] as const),
            ),
          ),
          (codes) => {
            const w = new BitWriter();
            for (const [kind, v] of codes) {
              if (kind === 'ue') w.ue(v);
              else w.se(v);
            }
            const r = new BitReader(w.toBuffer());
            expect(codes.map(([kind]) => (kind === 'ue' ? r.readUe() : r.readSe()))).toEqual(codes.map(([, v]) => v));
          },
        ),
        { numRuns: 200 },
      );
    });

    it('rejects a code with more than 31 leading zeros', () => {
      expect(() => new BitReader(Buffer.alloc(5)).readUe()).toThrow(/longer than 32 bits/);
    });
  });

  describe('when reading past the end', () => {
    it('throws the error the owner asked for, naming the position', () => {
      const r = new BitReader(Buffer.from([0xff]), (m) => new AudioParseError(m), 'ASC');
      r.readBits(6);
      expect(() => r.readBits(3)).toThrow(new AudioParseError('ASC truncated: need 3 bit(s) at bit 6, only 2 left'));
    });

    it('throws a CodecError by default', () => {
      expect(() => new BitReader(Buffer.alloc(0)).readBit()).toThrow(CodecError);
    });
  });
});
