import fc from 'fast-check';
import { parseFlvPath, parsePlaybackRequest, parseTsPullPath, queryPlaybackToken, requestPlaybackToken } from './playback-url';

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

describe('queryPlaybackToken', () => {
  it('accepts only a single non-empty token', () => {
    expect(queryPlaybackToken(new URLSearchParams('token=v1.x'))).toBe('v1.x');
    expect(queryPlaybackToken(new URLSearchParams('token=a&token=b'))).toBeUndefined();
    expect(queryPlaybackToken(new URLSearchParams('token[a]=1'))).toBeUndefined();
    expect(queryPlaybackToken(new URLSearchParams('token='))).toBeUndefined();
    expect(queryPlaybackToken(new URLSearchParams(''))).toBeUndefined();
  });
});

describe('requestPlaybackToken', () => {
  it('takes the query token first, else a bearer token from the Authorization header', () => {
    expect(requestPlaybackToken(new URLSearchParams('token=q'), 'Bearer h')).toBe('q');
    expect(requestPlaybackToken(new URLSearchParams(), 'Bearer v1.s.1.internal.n.mac')).toBe('v1.s.1.internal.n.mac');
  });

  it.each([undefined, '', 'Basic abc', 'Bearer ', 'Bearer a b', `Bearer ${'x'.repeat(513)}`])('finds no token in the header %p', (header) => {
    expect(requestPlaybackToken(new URLSearchParams(), header)).toBeUndefined();
  });
});

describe('parsePlaybackRequest', () => {
  it('reads the format, the stream id and the token of a playback URL', () => {
    expect(parsePlaybackRequest('/live/cam-1.flv?token=v1.x', undefined)).toEqual({ format: 'flv', streamId: 'cam-1', token: 'v1.x' });
    expect(parsePlaybackRequest('/live/cam-1.ts', 'Bearer t.1')).toEqual({ format: 'ts', streamId: 'cam-1', token: 't.1' });
    expect(parsePlaybackRequest('/live/cam%2D1.flv', undefined)).toEqual({ format: 'flv', streamId: 'cam-1', token: undefined });
  });

  const refused = ['/live/', '/live/cam.mp4', '/live/a/b.flv', '/live/%E0%A4%A.flv', '/other/cam.flv', `/live/cam.flv?token=${'x'.repeat(2048)}`];
  it.each(refused.map((target) => [target.length > 60 ? `${target.slice(0, 30)}… (${target.length} characters)` : target, target]))(
    'is not a playback URL: %s',
    (_label, target) => {
      expect(parsePlaybackRequest(target, 'Bearer t')).toBeUndefined();
    },
  );
});

describe('parsePlaybackRequest on arbitrary request targets', () => {
  it('never throws, and what it accepts is one path segment under /live/ naming a .flv or .ts', () => {
    const target = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ maxLength: 80 }).map((tail) => `/live/${tail}`),
      fc.tuple(fc.webSegment(), fc.constantFrom('.flv', '.ts', ''), fc.string({ maxLength: 40 })).map(([id, ext, query]) => `/live/${id}${ext}?${query}`),
    );
    fc.assert(
      fc.property(target, fc.option(fc.string({ maxLength: 600 }), { nil: undefined }), (url, authorization) => {
        const request = parsePlaybackRequest(url, authorization);
        if (!request) return;
        expect(url.startsWith('/live/')).toBe(true);
        expect(request.streamId.length).toBeGreaterThan(0);
        expect(request.streamId.length).toBeLessThanOrEqual(64);
        expect(['flv', 'ts']).toContain(request.format);
      }),
      { numRuns: 2000 },
    );
  });
});
