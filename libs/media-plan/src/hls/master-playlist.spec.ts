import { renderMasterPlaylist } from './master-playlist';

describe('renderMasterPlaylist', () => {
  it('lists each rendition with BANDWIDTH, RESOLUTION, CODECS and FRAME-RATE', () => {
    expect(
      renderMasterPlaylist([
        { uri: 'source/index.m3u8', bandwidth: 3_500_000, width: 1280, height: 720, codecs: 'avc1.64001f,mp4a.40.2', frameRate: 29.97 },
        { uri: '360p/index.m3u8', bandwidth: 1_000_000.4, averageBandwidth: 900_000, width: 640, height: 360, codecs: 'avc1.64001e,mp4a.40.2', frameRate: 30 },
      ]),
    ).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:6',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-STREAM-INF:BANDWIDTH=3500000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=29.970',
        'source/index.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=1000001,AVERAGE-BANDWIDTH=900000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",FRAME-RATE=30.000',
        '360p/index.m3u8',
        '',
      ].join('\n'),
    );
  });
});
