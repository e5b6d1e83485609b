import { encodeAmf0 } from './amf0-encoder';
import { Amf0EcmaArray, type Amf0Value } from './amf0-types';
import { Amf0EncodeError } from './codec-errors';

const hexOf = (...values: Amf0Value[]): string => encodeAmf0(...values).toString('hex');

describe('encodeAmf0', () => {
  describe('when given scalars', () => {
    it('writes numbers as 0x00 doubles', () => {
      expect(hexOf(1)).toBe('003ff0000000000000');
    });

    it('writes booleans, null and undefined with their markers', () => {
      expect(hexOf(true, false, null, undefined)).toBe('0101' + '0100' + '05' + '06');
    });

    it('writes a date as milliseconds with a zero time zone', () => {
      expect(hexOf(new Date(0))).toBe('0b' + '0000000000000000' + '0000');
    });

    it('writes strings as UTF-8 with a u16 length', () => {
      expect(hexOf('é')).toBe('020002c3a9');
    });
  });

  describe('when a string is longer than 65535 UTF-8 bytes', () => {
    it('switches to a 0x0c long string at 65536 bytes', () => {
      const buf = encodeAmf0('a'.repeat(65536));
      expect(buf[0]).toBe(0x0c);
      expect(buf.readUInt32BE(1)).toBe(65536);
      expect(buf).toHaveLength(1 + 4 + 65536);
    });

    it('keeps a 0x02 string at exactly 65535 bytes', () => {
      expect(encodeAmf0('a'.repeat(65535))[0]).toBe(0x02);
    });

    it('counts bytes, not UTF-16 code units', () => {
      // 21846 × 3-byte characters = 65538 bytes, although .length is 21846
      expect(encodeAmf0('✓'.repeat(21846))[0]).toBe(0x0c);
    });
  });

  describe('when given containers', () => {
    it('writes a plain object as 0x03 with an end marker', () => {
      expect(hexOf({ a: null })).toBe('03' + '000161' + '05' + '000009');
    });

    it('writes an Amf0EcmaArray as 0x08 with its key count', () => {
      expect(hexOf(new Amf0EcmaArray({ a: null, b: true }))).toBe('08' + '00000002' + '000161' + '05' + '000162' + '0101' + '000009');
    });

    it('writes arrays as 0x0a strict arrays and holes as undefined', () => {
      expect(hexOf([null, , true])).toBe('0a' + '00000003' + '05' + '06' + '0101');
    });
  });

  describe('when a property name does not fit a u16 length', () => {
    it('throws an Amf0EncodeError', () => {
      expect(() => encodeAmf0({ ['k'.repeat(70000)]: 1 })).toThrow(Amf0EncodeError);
    });
  });

  describe('when the value is cyclic', () => {
    it('throws an Amf0EncodeError instead of overflowing the stack', () => {
      const cyclic: { self?: unknown } = {};
      cyclic.self = cyclic;
      expect(() => encodeAmf0(cyclic as Amf0Value)).toThrow(/deeper than 1000 levels \(cyclic\?\)/);
    });
  });

  describe('when untyped JavaScript passes a non-AMF value', () => {
    it('throws an Amf0EncodeError naming the type', () => {
      expect(() => encodeAmf0(10n as unknown as Amf0Value)).toThrow(new Amf0EncodeError('AMF0 cannot encode a value of type bigint'));
    });
  });
});
