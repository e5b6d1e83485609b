import { parseFlvPath, parseTsPullPath, playbackToken, requestPlaybackToken } from './playback-url';

describe('parseFlvPath', () => {
  it('reads the stream id out of {streamId}.flv', () => {
    expect(parseFlvPath('abc_DEF-1.flv')).toBe('abc_DEF-1');
  });

  it.each(['abc', 'abc.mp4', '.flv', `${'a'.repeat(65)}.flv`])('refuses %s', (file) => {
    expect(parseFlvPath(file)).toBeUndefined();
  });
});

describe('parseTsPullPath', () => {
  it('reads the stream id out of {streamId}.ts', () => {
    expect(parseTsPullPath('abc_DEF-1.ts')).toBe('abc_DEF-1');
  });

  it.each(['abc', 'abc.flv', '.ts', `${'a'.repeat(65)}.ts`])('refuses %s', (file) => {
    expect(parseTsPullPath(file)).toBeUndefined();
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

describe('requestPlaybackToken', () => {
  it('takes the query token first, else a bearer token from the Authorization header', () => {
    expect(requestPlaybackToken('q', 'Bearer h')).toBe('q');
    expect(requestPlaybackToken(undefined, 'Bearer v1.s.1.internal.n.mac')).toBe('v1.s.1.internal.n.mac');
  });

  it.each([undefined, '', 'Basic abc', 'Bearer ', 'Bearer a b', `Bearer ${'x'.repeat(513)}`])('finds no token in the header %p', (header) => {
    expect(requestPlaybackToken(undefined, header)).toBeUndefined();
  });
});
