import { av1CodecString, av1LevelNumber, av1ProfileName } from './av1-codec-string';

describe('AV1 codec details', () => {
  it.each([
    [{ profile: 0, level: 8, tier: 0, highBitdepth: false, twelveBit: false }, 'av01.0.08M.08'],
    [{ profile: 0, level: 13, tier: 1, highBitdepth: true, twelveBit: false }, 'av01.0.13H.10'],
    [{ profile: 2, level: 4, tier: 0, highBitdepth: true, twelveBit: true }, 'av01.2.04M.12'],
  ])('formats %j as %s', (header, expected) => {
    expect(av1CodecString(header)).toBe(expected);
  });

  it('numbers seq_level_idx as X.Y with X = 2 + idx / 4 and Y = idx % 4, and 31 as no level', () => {
    expect([0, 1, 4, 8, 9, 13, 23].map(av1LevelNumber)).toEqual([2.0, 2.1, 3.0, 4.0, 4.1, 5.1, 7.3]);
    expect(av1LevelNumber(31)).toBeUndefined();
  });

  it('names the three profiles', () => {
    expect([0, 1, 2, 3].map(av1ProfileName)).toEqual(['Main', 'High', 'Professional', 'profile 3']);
  });
});
