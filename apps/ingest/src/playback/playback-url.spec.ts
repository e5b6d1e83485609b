import { parseFlvPath, playbackToken } from './playback-url';

describe('parseFlvPath', () => {
  it('reads the stream id out of {streamId}.flv', () => {
    expect(parseFlvPath('abc_DEF-1.flv')).toBe('abc_DEF-1');
  });

  it.each(['abc', 'abc.mp4', '.flv', `${'a'.repeat(65)}.flv`])('refuses %s', (file) => {
    expect(parseFlvPath(file)).toBeUndefined();
  });
});

describe('playbackToken', () => {
  it('accepts only a single non-empty string', () => {
    expect(playbackToken('v1.x')).toBe('v1.x');
    expect(playbackToken(['a', 'b'])).toBeUndefined();
    expect(playbackToken({ a: 1 })).toBeUndefined();
    expect(playbackToken('')).toBeUndefined();
  });
});
