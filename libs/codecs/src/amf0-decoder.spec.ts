import { decodeAmf0 } from './amf0-decoder';
import { encodeAmf0 } from './amf0-encoder';
import { Amf0EcmaArray } from './amf0-types';
import { Amf0DecodeError, CodecError } from './codec-errors';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Builds a 0x02 string value by hand so tests do not depend on the encoder. */
function str(s: string): string {
  const b = Buffer.from(s, 'utf8');
  return `02${b.length.toString(16).padStart(4, '0')}${b.toString('hex')}`;
}
function key(s: string): string {
  return str(s).slice(2);
}
const num = (n: number): string => {
  const b = Buffer.alloc(9);
  b.writeDoubleBE(n, 1);
  return b.toString('hex');
};
const OBJECT_END = '000009';

function decodeError(buf: Buffer, limits?: Parameters<typeof decodeAmf0>[1]): Amf0DecodeError {
  try {
    decodeAmf0(buf, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(Amf0DecodeError);
    return error as Amf0DecodeError;
  }
  throw new Error('expected decodeAmf0 to throw');
}

describe('decodeAmf0', () => {
  describe('when given an RTMP connect command as FFmpeg sends it', () => {
    const buf = hex(
      str('connect') +
        num(1) +
        '03' +
        key('app') +
        str('live') +
        key('type') +
        str('nonprivate') +
        key('flashVer') +
        str('FMLE/3.0 (compatible; Lavf59.27.100)') +
        key('tcUrl') +
        str('rtmp://localhost:1935/live') +
        OBJECT_END,
    );

    it('returns every value in order', () => {
      expect(decodeAmf0(buf)).toEqual([
        'connect',
        1,
        {
          app: 'live',
          type: 'nonprivate',
          flashVer: 'FMLE/3.0 (compatible; Lavf59.27.100)',
          tcUrl: 'rtmp://localhost:1935/live',
        },
      ]);
    });
  });

  describe('when the buffer is empty', () => {
    it('returns no values', () => {
      expect(decodeAmf0(Buffer.alloc(0))).toEqual([]);
    });
  });

  describe('when decoding scalars', () => {
    it('reads numbers as doubles, including -0 and NaN', () => {
      expect(decodeAmf0(hex(num(-0) + num(Number.NaN) + num(1.5e300)))).toEqual([-0, Number.NaN, 1.5e300]);
    });

    it('reads any non-zero boolean byte as true', () => {
      expect(decodeAmf0(hex('0100 0101 01ff'))).toEqual([false, true, true]);
    });

    it('reads null and undefined', () => {
      expect(decodeAmf0(hex('05 06'))).toEqual([null, undefined]);
    });

    it('reads UTF-8 strings', () => {
      expect(decodeAmf0(hex(str('héllo ✓')))).toEqual(['héllo ✓']);
    });

    it('reads a long string (0x0c) as a plain string', () => {
      expect(decodeAmf0(hex('0c 00000003 616263'))).toEqual(['abc']);
    });

    it('reads a date and ignores its time-zone field', () => {
      const b = Buffer.alloc(11);
      b[0] = 0x0b;
      b.writeDoubleBE(Date.UTC(2024, 0, 2, 3, 4, 5), 1);
      b.writeInt16BE(-60, 9);
      expect(decodeAmf0(b)).toEqual([new Date(Date.UTC(2024, 0, 2, 3, 4, 5))]);
    });
  });

  describe('when decoding containers', () => {
    it('returns an Amf0EcmaArray for marker 0x08, ignoring its count hint', () => {
      const [value] = decodeAmf0(hex('08 00000000' + key('duration') + num(0) + key('width') + num(1280) + OBJECT_END));
      expect(value).toBeInstanceOf(Amf0EcmaArray);
      expect((value as Amf0EcmaArray).entries).toEqual({ duration: 0, width: 1280 });
    });

    it('returns a strict array (0x0a) as an array', () => {
      expect(decodeAmf0(hex('0a 00000003' + num(1) + '05' + str('x')))).toEqual([[1, null, 'x']]);
    });

    it('returns a typed object (0x10) as a plain object without its class name', () => {
      expect(decodeAmf0(hex('10' + key('com.example.Point') + key('x') + num(1) + OBJECT_END))).toEqual([{ x: 1 }]);
    });

    it('keeps the last value of a repeated key', () => {
      expect(decodeAmf0(hex('03' + key('a') + num(1) + key('a') + num(2) + OBJECT_END))).toEqual([{ a: 2 }]);
    });

    it('accepts an empty property name that is not the end marker', () => {
      expect(decodeAmf0(hex('03' + key('') + num(7) + OBJECT_END))).toEqual([{ '': 7 }]);
    });

    it('stores "__proto__" as an own property instead of changing the prototype', () => {
      const [value] = decodeAmf0(hex('03' + key('__proto__') + '03' + key('polluted') + '0101' + OBJECT_END + OBJECT_END));
      const obj = value as Record<string, unknown>;
      expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
      expect(Object.keys(obj)).toEqual(['__proto__']);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      expect(obj['polluted']).toBeUndefined();
    });
  });

  describe('when the marker is unsupported', () => {
    it.each([
      ['reference', '07 0001', /Reference \(0x07\)/],
      ['movie clip', '04', /MovieClip/],
      ['object end outside an object', '09', /Object End/],
      ['unsupported', '0d', /Unsupported/],
      ['record set', '0e', /RecordSet/],
      ['XML document', '0f 00000000', /XML Document/],
      ['AMF3 switch', '11 02', /AMF3/],
      ['unknown', 'ab', /0xab/],
    ])('rejects %s with an Amf0DecodeError naming the marker and offset', (_name, bytes, pattern) => {
      const error = decodeError(hex(num(1) + bytes));
      expect(error.message).toMatch(pattern);
      expect(error.message).toMatch(/offset 9/);
    });
  });

  describe('when the input is truncated', () => {
    it.each([
      ['number', '00 3ff0'],
      ['string body', '02 0005 6162'],
      ['string length', '02 00'],
      ['long string', '0c 00000010 61'],
      ['object without end marker', '03' + key('a') + num(1)],
      ['object end marker cut after the empty key', '03 0000'],
      ['date time zone', '0b' + num(0).slice(2)],
      ['strict array elements', '0a 00000002' + num(1)],
    ])('throws Amf0DecodeError for a truncated %s', (_name, bytes) => {
      const error = decodeError(hex(bytes));
      expect(error).toBeInstanceOf(CodecError);
      expect(error.message).toMatch(/truncated/);
    });
  });

  describe('when a string is longer than the limit', () => {
    it('throws an Amf0DecodeError naming the limit', () => {
      expect(() => decodeAmf0(hex(str('abcdef')), { maxStringBytes: 5 })).toThrow(
        new Amf0DecodeError('AMF0 string of 6 bytes exceeds maxStringBytes 5 at offset 3'),
      );
    });

    it('checks a long string length before reading (or allocating) its body', () => {
      const error = decodeError(hex('0c ffffffff'));
      expect(error.message).toMatch(/4294967295 bytes exceeds maxStringBytes 65536/);
    });

    it('applies the limit to property names too', () => {
      expect(decodeError(hex('03' + key('abcdef') + '05' + OBJECT_END), { maxStringBytes: 5 }).message).toMatch(/maxStringBytes 5/);
    });
  });

  describe('when nesting is deeper than the limit', () => {
    const nested = (depth: number): Buffer => hex('0a 00000001'.repeat(depth) + '05');

    it('accepts exactly maxDepth levels', () => {
      expect(() => decodeAmf0(nested(3), { maxDepth: 3 })).not.toThrow();
    });

    it('throws an Amf0DecodeError naming the limit', () => {
      expect(decodeError(nested(4), { maxDepth: 3 }).message).toMatch(/nesting exceeds maxDepth 3/);
    });

    it('stops a hostile 100 000-level input with the default limit instead of overflowing the stack', () => {
      expect(decodeError(nested(100_000)).message).toMatch(/maxDepth 16/);
    });
  });

  describe('when an object has more keys than the limit', () => {
    it('throws an Amf0DecodeError naming the limit', () => {
      const body = ['a', 'b', 'c'].map((k) => key(k) + '05').join('');
      expect(decodeAmf0(hex('03' + body + OBJECT_END), { maxKeys: 3 })).toEqual([{ a: null, b: null, c: null }]);
      expect(decodeError(hex('08 00000000' + body + OBJECT_END), { maxKeys: 2 }).message).toMatch(/maxKeys 2/);
    });
  });

  describe('when there are more values than the limit', () => {
    it('counts top-level and nested values', () => {
      expect(decodeAmf0(hex('05 0a00000001 05'), { maxValues: 3 })).toHaveLength(2);
      expect(decodeError(hex('05 0a00000002 05 05'), { maxValues: 3 }).message).toMatch(/maxValues 3/);
    });

    it('rejects a strict array count over the budget before decoding any element', () => {
      expect(decodeError(hex('0a 00010000'), { maxValues: 100 }).message).toMatch(/65536 elements exceeds maxValues 100/);
    });

    it('rejects a strict array count larger than the remaining bytes', () => {
      expect(decodeError(hex('0a 00000003 0505')).message).toMatch(/claims 3 elements but only 2 byte/);
    });
  });

  describe('when limits are invalid', () => {
    it.each([{ maxDepth: -1 }, { maxKeys: 1.5 }, { maxValues: Number.NaN }, { maxDepth: 100_000 }])(
      'throws a RangeError for %j (a programming error, not bad input)',
      (limits) => {
        expect(() => decodeAmf0(Buffer.alloc(0), limits)).toThrow(RangeError);
      },
    );
  });

  describe('when decoding what encodeAmf0 wrote', () => {
    it('gives back the same values', () => {
      const values = ['onStatus', 0, null, { level: 'status', code: 'NetStream.Publish.Start', description: 'ok' }];
      expect(decodeAmf0(encodeAmf0(...values))).toEqual(values);
    });
  });
});
