import { vp9CodecString, vp9ProfileName } from './vp9-codec-string';

describe('vp9CodecString', () => {
  it.each([
    [{ profile: 0, level: 31, bitDepth: 8 }, 'vp09.00.31.08'],
    [{ profile: 2, level: 41, bitDepth: 10 }, 'vp09.02.41.10'],
    [{ profile: 0, level: 10, bitDepth: 8 }, 'vp09.00.10.08'],
  ])('formats %j as %s (two decimal digits per field)', (config, expected) => {
    expect(vp9CodecString(config)).toBe(expected);
  });

  it('names the profile as ffprobe does', () => {
    expect([0, 3].map(vp9ProfileName)).toEqual(['Profile 0', 'Profile 3']);
  });
});
