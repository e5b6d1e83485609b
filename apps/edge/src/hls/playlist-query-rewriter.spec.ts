import { addTokenToPlaylist } from './playlist-token-rewriter';

describe('addTokenToPlaylist', () => {
  it('adds the token to URI lines and URI attributes, keeping everything else', () => {
    const playlist = [
      '#EXTM3U',
      '#EXT-X-MAP:URI="init.mp4"',
      '#EXTINF:2.000,',
      's1-abc.ts',
      '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p2.0-abc.m4s?x=1"',
      '720p/index.m3u8',
      '',
    ].join('\n');
    expect(addTokenToPlaylist(playlist, 'v1.abc.123.play.s/g+')).toBe(
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
});
