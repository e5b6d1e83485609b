import { FlvEncodeError } from './codec-errors';
import { FLV_TAG_AUDIO, FLV_TAG_SCRIPT, FLV_TAG_VIDEO } from './flv-constants';
import { encodeFlvHeader, encodeFlvPreviousTagSize, encodeFlvTag, encodeFlvTagHeader, flvTagLength, writeFlvTag } from './flv-encoder';

describe('encodeFlvHeader', () => {
  it.each([
    [{ audio: true, video: true }, '05'],
    [{ audio: true, video: false }, '04'],
    [{ audio: false, video: true }, '01'],
    [{ audio: false, video: false }, '00'],
  ])('writes signature, version, flags %j, data offset 9 and PreviousTagSize0', (options, flags) => {
    expect(encodeFlvHeader(options).toString('hex')).toBe(`464c5601${flags}00000009` + '00000000');
  });
});

describe('encodeFlvTagHeader', () => {
  it('writes type, u24 size, u24 timestamp, extension byte and a zero stream id', () => {
    expect(encodeFlvTagHeader(FLV_TAG_VIDEO, 0x12345678, 0x0a0b0c).toString('hex')).toBe('09' + '0a0b0c' + '345678' + '12' + '000000');
  });

  it('accepts the largest data size the u24 field can hold', () => {
    expect(encodeFlvTagHeader(FLV_TAG_AUDIO, 0, 0xffffff).subarray(1, 4).toString('hex')).toBe('ffffff');
  });

  describe('when the timestamp passes 2^32 ms (49.7 days)', () => {
    it('wraps it the way RTMP timestamps wrap', () => {
      expect(
        encodeFlvTagHeader(FLV_TAG_SCRIPT, 2 ** 32 + 5, 0)
          .subarray(4, 8)
          .toString('hex'),
      ).toBe('00000500');
    });
  });

  describe('when an argument does not fit its field', () => {
    it.each([
      ['a type above 31 (would set the Filter bit)', 0x29, 0, 0],
      ['a negative type', -1, 0, 0],
      ['a negative timestamp', 9, -1, 0],
      ['a fractional timestamp', 9, 1.5, 0],
      ['a data size over 16 MiB - 1', 9, 0, 0x1000000],
      ['a negative data size', 9, 0, -1],
    ])('throws FlvEncodeError for %s', (_name, type, ts, size) => {
      expect(() => encodeFlvTagHeader(type, ts, size)).toThrow(FlvEncodeError);
    });
  });
});

describe('encodeFlvPreviousTagSize', () => {
  it('writes 11 + data size as u32', () => {
    expect(encodeFlvPreviousTagSize(100).toString('hex')).toBe('0000006f');
  });

  it('rejects sizes no tag can have', () => {
    expect(() => encodeFlvPreviousTagSize(0x1000000)).toThrow(FlvEncodeError);
  });
});

describe('encodeFlvTag', () => {
  it('is header + payload + PreviousTagSize', () => {
    const payload = Buffer.from('af0112', 'hex');
    const tag = encodeFlvTag(FLV_TAG_AUDIO, 40, payload);
    expect(tag).toEqual(Buffer.concat([encodeFlvTagHeader(FLV_TAG_AUDIO, 40, 3), payload, encodeFlvPreviousTagSize(3)]));
    expect(tag.toString('hex')).toBe('08' + '000003' + '000028' + '00' + '000000' + 'af0112' + '0000000e');
  });

  it('copies the payload so later changes to it do not alter the tag', () => {
    const payload = Buffer.from([1, 2, 3]);
    const tag = encodeFlvTag(FLV_TAG_VIDEO, 0, payload);
    payload[0] = 9;
    expect(tag[11]).toBe(1);
  });
});

describe('writeFlvTag', () => {
  it('lays tags out back to back in one buffer, each byte for byte what encodeFlvTag gives, over stale bytes', () => {
    const tags = [
      { type: FLV_TAG_VIDEO, timestamp: 2 ** 32 + 7, payload: Buffer.alloc(20_000, 0x17) },
      { type: FLV_TAG_AUDIO, timestamp: 0x1234567, payload: Buffer.from('af01', 'hex') },
      { type: FLV_TAG_SCRIPT, timestamp: 0, payload: Buffer.alloc(0) },
    ];
    const out = Buffer.alloc(
      tags.reduce((sum, t) => sum + flvTagLength(t.payload.length), 0),
      0xff,
    );
    let offset = 0;
    for (const t of tags) offset = writeFlvTag(out, offset, t.type, t.timestamp, t.payload);
    expect(offset).toBe(out.length);
    expect(out).toEqual(Buffer.concat(tags.map((t) => encodeFlvTag(t.type, t.timestamp, t.payload))));
  });

  it('checks its fields as encodeFlvTagHeader does', () => {
    expect(() => writeFlvTag(Buffer.alloc(32), 0, 0x20, 0, Buffer.alloc(1))).toThrow(FlvEncodeError);
  });
});
