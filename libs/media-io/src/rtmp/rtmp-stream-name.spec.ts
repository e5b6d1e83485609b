import { RtmpProtocolError } from './rtmp-errors';
import { parseRtmpAppName, parseRtmpStreamName } from './rtmp-stream-name';

describe('parseRtmpStreamName', () => {
  it('splits the query string off the stream name', () => {
    const parsed = parseRtmpStreamName('key?token=abc&x=1');
    expect(parsed.name).toBe('key');
    expect(parsed.query.get('token')).toBe('abc');
    expect(parsed.query.get('x')).toBe('1');
  });

  it('gives an empty query when there is none', () => {
    expect([...parseRtmpStreamName('key').query]).toEqual([]);
  });

  it('accepts names players prefix with a container hint', () => {
    expect(parseRtmpStreamName('mp4:show_720p').name).toBe('mp4:show_720p');
  });

  it.each([
    ['empty', ''],
    ['only a query', '?token=x'],
    ['path traversal', '..'],
    ['embedded traversal', 'a..b'],
    ['a slash', 'a/b'],
    ['a backslash', 'a\\b'],
    ['NUL', 'a\u0000b'],
    ['a newline', 'a\nb'],
    ['DEL', 'a\u007fb'],
    ['a C1 control', 'a\u0085b'],
    ['a control character in the query', 'a?x=\u0001'],
    ['over 256 bytes', 'x'.repeat(257)],
    ['over 256 bytes of UTF-8', 'é'.repeat(129)],
  ])('rejects %s', (_why, raw) => {
    expect(() => parseRtmpStreamName(raw)).toThrow(RtmpProtocolError);
  });

  it('accepts exactly 256 bytes and allows longer query strings for tokens', () => {
    expect(parseRtmpStreamName('x'.repeat(256)).name).toHaveLength(256);
    expect(parseRtmpStreamName(`k?jwt=${'a'.repeat(2000)}`).query.get('jwt')).toHaveLength(2000);
    expect(() => parseRtmpStreamName(`k?jwt=${'a'.repeat(5000)}`)).toThrow(/query/);
  });

  it('honours configured limits', () => {
    expect(() => parseRtmpStreamName('abcdef', { maxNameBytes: 5, maxQueryBytes: 10 })).toThrow(/5 bytes/);
  });
});

describe('parseRtmpAppName', () => {
  it('allows multi-segment apps and trims one trailing slash', () => {
    expect(parseRtmpAppName('live/eu').name).toBe('live/eu');
    expect(parseRtmpAppName('live/').name).toBe('live');
  });

  it('splits a query string off the app', () => {
    expect(parseRtmpAppName('live?token=t').query.get('token')).toBe('t');
  });

  it.each(['', '/', '/live', 'a//b', '../x', 'li\u0000ve'])('rejects %j', (raw) => {
    expect(() => parseRtmpAppName(raw)).toThrow(RtmpProtocolError);
  });
});
