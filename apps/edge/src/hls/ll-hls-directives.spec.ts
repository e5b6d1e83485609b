import { boundDirectives, lastMediaSequenceOf, MAX_PART } from './ll-hls-directives';

const playlist = [
  '#EXTM3U',
  '#EXT-X-TARGETDURATION:2',
  '#EXT-X-MEDIA-SEQUENCE:40',
  '#EXTINF:2.0,',
  's40.ts',
  '#EXTINF:2.0,',
  's41.ts',
  '#EXTINF:2.0,',
  's42.ts',
  '',
].join('\n');

describe('LL-HLS directives', () => {
  it('reads the last media sequence number of a playlist', () => {
    expect(lastMediaSequenceOf(playlist)).toBe(42);
    expect(lastMediaSequenceOf('#EXTM3U\n#EXTINF:2,\na.ts\n')).toBe(0);
    expect(lastMediaSequenceOf('#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:7\n')).toBeUndefined();
  });

  it('drops an _HLS_msn the playlist already has: the current playlist answers it', () => {
    expect(boundDirectives({ msn: 0 }, playlist)).toEqual({ ok: true, directives: {} });
    expect(boundDirectives({ msn: 42, part: 3, skip: 'YES' }, playlist)).toEqual({ ok: true, directives: { skip: 'YES' } });
  });

  it('passes on one up to two segments ahead of the live edge', () => {
    expect(boundDirectives({ msn: 43, part: 1 }, playlist)).toEqual({ ok: true, directives: { msn: 43, part: 1 } });
    expect(boundDirectives({ msn: 44 }, playlist)).toEqual({ ok: true, directives: { msn: 44 } });
  });

  it('refuses one further ahead, or a part number past the bound', () => {
    expect(boundDirectives({ msn: 45 }, playlist)).toEqual({ ok: false, message: expect.stringContaining('ahead of the live edge') });
    expect(boundDirectives({ msn: 999_999_999 }, playlist).ok).toBe(false);
    expect(boundDirectives({ msn: 43, part: MAX_PART + 1 }, playlist).ok).toBe(false);
  });

  it('leaves requests without _HLS_msn alone, and drops blocking on a playlist without segments', () => {
    expect(boundDirectives({ skip: 'v2' }, playlist)).toEqual({ ok: true, directives: { skip: 'v2' } });
    expect(boundDirectives({ msn: 5 }, '#EXTM3U\n')).toEqual({ ok: true, directives: {} });
  });
});
