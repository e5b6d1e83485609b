import { aacCodecString } from './aac-codec-string';

describe('aacCodecString', () => {
  it.each([
    [2, 'mp4a.40.2'],
    [5, 'mp4a.40.5'],
    [29, 'mp4a.40.29'],
  ])('formats object type %d as %s', (objectType, expected) => {
    expect(aacCodecString({ objectType })).toBe(expected);
  });
});
