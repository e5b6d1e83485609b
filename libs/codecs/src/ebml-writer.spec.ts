import fc from 'fast-check';
import { ebmlElement, ebmlFloat, ebmlId, ebmlSize, ebmlString, ebmlUint, ebmlUnknownSizeHead } from './ebml-writer';
import { readEbmlElement } from './testing/ebml-reader';

describe('ebml-writer', () => {
  it("writes sizes in the fewest bytes, leaving each length's all-ones value (reserved) to the next", () => {
    expect(ebmlSize(0)).toEqual(Buffer.from([0x80]));
    expect(ebmlSize(126)).toEqual(Buffer.from([0xfe]));
    expect(ebmlSize(127)).toEqual(Buffer.from([0x40, 0x7f]));
    expect(ebmlSize(2 ** 14 - 2)).toEqual(Buffer.from([0x7f, 0xfe]));
    expect(ebmlSize(2 ** 14 - 1)).toEqual(Buffer.from([0x20, 0x3f, 0xff]));
    expect(ebmlSize(Number.MAX_SAFE_INTEGER)).toHaveLength(8);
    expect(() => ebmlSize(-1)).toThrow(RangeError);
    expect(() => ebmlSize(1.5)).toThrow(RangeError);
  });

  it('writes IDs as their own bytes, 1 to 4 of them', () => {
    expect(ebmlId(0xa3)).toEqual(Buffer.from([0xa3]));
    expect(ebmlId(0x4286)).toEqual(Buffer.from([0x42, 0x86]));
    expect(ebmlId(0x2ad7b1)).toEqual(Buffer.from([0x2a, 0xd7, 0xb1]));
    expect(ebmlId(0x1a45dfa3)).toEqual(Buffer.from([0x1a, 0x45, 0xdf, 0xa3]));
  });

  it('writes unsigned integers in as few bytes as hold them, zero in one', () => {
    expect(ebmlUint(0xd7, 0)).toEqual(Buffer.from([0xd7, 0x81, 0x00]));
    expect(ebmlUint(0xd7, 1)).toEqual(Buffer.from([0xd7, 0x81, 0x01]));
    expect(ebmlUint(0x2ad7b1, 1_000_000)).toEqual(Buffer.from([0x2a, 0xd7, 0xb1, 0x83, 0x0f, 0x42, 0x40]));
    expect(() => ebmlUint(0xd7, -1)).toThrow(RangeError);
  });

  it('writes floats as doubles, strings as their bytes, and the unknown size as eight bytes', () => {
    expect(ebmlFloat(0xb5, 48_000).subarray(2).readDoubleBE()).toBe(48_000);
    expect(ebmlString(0x86, 'A_OPUS')).toEqual(Buffer.concat([Buffer.from([0x86, 0x86]), Buffer.from('A_OPUS')]));
    expect(readEbmlElement(ebmlUnknownSizeHead(0x18538067), 0)).toEqual({ id: 0x18538067, bodyAt: 12, size: undefined });
  });

  it('reads back as written for any ID length, body and value (property)', () => {
    const idArb = fc.oneof(
      fc.integer({ min: 0x81, max: 0xfe }),
      fc.integer({ min: 0x4001, max: 0x7ffe }),
      fc.integer({ min: 0x200001, max: 0x3ffffe }),
      fc.integer({ min: 0x10000001, max: 0x1ffffffe }),
    );
    fc.assert(
      fc.property(idArb, fc.uint8Array({ maxLength: 300 }), fc.maxSafeNat(), (id, body, value) => {
        const element = ebmlElement(id, Buffer.from(body));
        expect(readEbmlElement(element, 0)).toEqual({ id, bodyAt: element.length - body.length, size: body.length });
        const uint = ebmlUint(id, value);
        const read = readEbmlElement(uint, 0);
        expect([...uint.subarray(read.bodyAt)].reduce((n, byte) => n * 256 + byte, 0)).toBe(value);
        expect(read.size).toBe(Math.max(1, Math.ceil(value.toString(16).length / 2)));
      }),
    );
  });
});
