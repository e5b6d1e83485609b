import { addQueryToPlaylist } from './playlist-query-rewriter';

describe('addQueryToPlaylist', () => {
  const playlist = [
    '#EXTM3U',
    '#EXT-X-MAP:URI="init.mp4"',
    '#EXTINF:2.000,',
    's1-abc.ts',
    '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p2.0-abc.m4s?x=1"',
    '720p/index.m3u8',
    '',
  ].join('\n');

  it('adds the token to URI lines and URI attributes, keeping everything else', () => {
    expect(addQueryToPlaylist(playlist, [['token', 'v1.abc.123.play.s/g+']])).toBe(
      [
        '#EXTM3U',
        '#EXT-X-MAP:URI="init.mp4?token=v1.abc.123.play.s%2Fg%2B"',
        '#EXTINF:2.000,',
        's1-abc.ts?token=v1.abc.123.play.s%2Fg%2B',
        '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p2.0-abc.m4s?x=1&token=v1.abc.123.play.s%2Fg%2B"',
        '720p/index.m3u8?token=v1.abc.123.play.s%2Fg%2B',
        '',
      ].join('\n'),
    );
  });

  it('adds several parameters in order (token, then the viewer session)', () => {
    expect(
      addQueryToPlaylist('#EXTM3U\n720p/index.m3u8\n', [
        ['token', 't'],
        ['vsid', 'abc'],
      ]),
    ).toBe('#EXTM3U\n720p/index.m3u8?token=t&vsid=abc\n');
  });

  it('leaves the playlist untouched when there is nothing to add', () => {
    expect(addQueryToPlaylist(playlist, [])).toBe(playlist);
  });
});
