import { ByteReader } from './byte-reader';
import { Amf0DecodeError } from './codec-errors';

describe('ByteReader', () => {
  describe('when reading big-endian fields', () => {
    it('advances past each one', () => {
      const r = new ByteReader(Buffer.from('01 0203 040506 fffffe 0708090a ffff'.replace(/ /g, ''), 'hex'));
      expect([r.u8(), r.u16(), r.u24(), r.s24(), r.u32(), r.s16()]).toEqual([1, 0x0203, 0x040506, -2, 0x0708090a, -1]);
      expect(r.remaining).toBe(0);
    });
  });

  describe('when fewer bytes remain than a read needs', () => {
    it("throws the owner's error type with offset and counts, not a RangeError", () => {
      const r = new ByteReader(Buffer.from([1, 2, 3]), (m) => new Amf0DecodeError(m), 'AMF0 data');
      r.u8();
      expect(() => r.u32()).toThrow(new Amf0DecodeError('AMF0 data truncated: need 4 byte(s) at offset 1, only 2 left'));
      expect(r.offset).toBe(1);
    });
  });
});
