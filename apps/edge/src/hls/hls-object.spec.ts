import { HlsPathError, originPath, parseHlsRequest } from './hls-object';

const parse = (path: string, query = '', llHls = true) => parseHlsRequest(path, new URLSearchParams(query), { llHls });
const failure = (path: string, query = '') => {
  try {
    parse(path, query);
  } catch (error) {
    if (error instanceof HlsPathError) return { status: error.status, message: error.message };
    throw error;
  }
  throw new Error(`${path} was accepted`);
};

describe('parseHlsRequest', () => {
  it('reads the master playlist, media playlists, segments and the thumbnail', () => {
    expect(parse('/hls/abc_1/master.m3u8')).toEqual({ streamId: 'abc_1', object: { kind: 'master' } });
    expect(parse('/hls/abc/720p/index.m3u8')).toEqual({ streamId: 'abc', object: { kind: 'media', rendition: '720p', directives: {} } });
    expect(parse('/hls/abc/720p/s42-0a1b2c.ts')).toEqual({ streamId: 'abc', object: { kind: 'segment', rendition: '720p', name: 's42-0a1b2c.ts' } });
    expect(parse('/hls/abc/thumbnail.jpg')).toEqual({ streamId: 'abc', object: { kind: 'thumbnail' } });
  });

  it('accepts LL-HLS partial segment names and delivery directives', () => {
    expect(parse('/hls/abc/720p/p42.3-0a1b2c.m4s').object).toMatchObject({ kind: 'segment', name: 'p42.3-0a1b2c.m4s' });
    expect(parse('/hls/abc/720p/index.m3u8', '_HLS_msn=42&_HLS_part=3&_HLS_skip=YES').object).toEqual({
      kind: 'media',
      rendition: '720p',
      directives: { msn: 42, part: 3, skip: 'YES' },
    });
    expect(originPath(parse('/hls/abc/720p/index.m3u8', '_HLS_msn=42&_HLS_part=3&token=x').object)).toBe('720p/index.m3u8?_HLS_msn=42&_HLS_part=3');
  });

  it('keeps only the LL-HLS directives of the query, and none of them where LL-HLS is off', () => {
    const query = '_HLS_msn=42&_HLS_part=3&_HLS_skip=YES&token=t&vsid=v&junk=1&_HLS_other=2';
    expect(originPath(parse('/hls/abc/720p/index.m3u8', query).object)).toBe('720p/index.m3u8?_HLS_msn=42&_HLS_part=3&_HLS_skip=YES');
    expect(originPath(parse('/hls/abc/720p/index.m3u8', query, false).object)).toBe('720p/index.m3u8');
    // Off, even malformed directives are just ignored.
    expect(parse('/hls/abc/720p/index.m3u8', '_HLS_msn=-1&_HLS_part=x', false).object).toEqual({ kind: 'media', rendition: '720p', directives: {} });
    expect(originPath(parse('/hls/abc/720p/s1.ts', query).object)).toBe('720p/s1.ts');
    expect(originPath(parse('/hls/abc/master.m3u8', query).object)).toBe('master.m3u8');
  });

  describe('when the path tries to leave the stream', () => {
    it.each([
      '/hls/abc/../../etc/passwd',
      '/hls/abc/720p/../../../x.ts',
      '/hls/%2e%2e/%2e%2e/etc/passwd',
      '/hls/abc/720p%2f..%2fsecret.ts',
      '/hls/abc/..%5c..%5cwin.ini',
      '/hls/abc\\..\\x',
      '/hls/./abc/master.m3u8',
    ])('rejects %s with 400', (path) => {
      expect(failure(path).status).toBe(400);
    });
  });

  it('names the wrong field', () => {
    expect(failure('/hls/a.b/master.m3u8')).toEqual({ status: 400, message: 'streamId: must be 1-64 of A-Z a-z 0-9 _ -' });
    expect(failure('/hls/abc/7 2 0/index.m3u8'.replace(/ /g, '~'))).toEqual({ status: 400, message: 'rendition: must be 1-32 of a-z 0-9 _ -' });
    expect(failure('/hls/abc/720p/index.m3u8', '_HLS_msn=-1').message).toBe('_HLS_msn: must be a non-negative integer');
    expect(failure('/hls/abc/720p/index.m3u8', '_HLS_part=1').message).toBe('_HLS_part: requires _HLS_msn');
  });

  it('answers 404 for objects HLS does not have', () => {
    expect(failure('/hls/abc/index.html').status).toBe(404);
    expect(failure('/hls/abc/720p/seg.exe').status).toBe(404);
    expect(failure('/hls/abc/720p/x/y.ts').status).toBe(404);
    expect(failure('/hls/abc').status).toBe(404);
  });
});
