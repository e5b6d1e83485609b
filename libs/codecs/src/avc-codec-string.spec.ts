import { avcCodecString } from './avc-codec-string';

describe('avcCodecString', () => {
  it.each([
    [{ profile: 100, compatibility: 0, level: 31 }, 'avc1.64001f'],
    [{ profile: 66, compatibility: 0xc0, level: 30 }, 'avc1.42c01e'],
    [{ profile: 77, compatibility: 0x40, level: 40 }, 'avc1.4d4028'],
    [{ profile: 244, compatibility: 0, level: 9 }, 'avc1.f40009'],
  ])('formats %j as %s (two lower-case hex digits per byte)', (record, expected) => {
    expect(avcCodecString(record)).toBe(expected);
  });
});
