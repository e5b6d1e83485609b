import { parseRtmpPublishTarget } from './rtmp-publish-target';

describe('parseRtmpPublishTarget', () => {
  it('splits the application from the stream name, with default ports per scheme', () => {
    expect(parseRtmpPublishTarget('rtmp://a.rtmp.youtube.com/live2/abcd-efgh')).toEqual({
      tls: false,
      host: 'a.rtmp.youtube.com',
      port: 1935,
      app: 'live2',
      tcUrl: 'rtmp://a.rtmp.youtube.com/live2',
      streamName: 'abcd-efgh',
    });
    expect(parseRtmpPublishTarget('rtmps://live-api-s.facebook.com:443/rtmp/FB-1-2?s_bl=1&a=b')).toMatchObject({
      tls: true,
      port: 443,
      app: 'rtmp',
      tcUrl: 'rtmps://live-api-s.facebook.com:443/rtmp',
      streamName: 'FB-1-2?s_bl=1&a=b',
    });
    expect(parseRtmpPublishTarget('rtmps://host.example/app/key')).toMatchObject({ port: 443, tls: true });
  });

  it('keeps deeper paths in the stream name, decodes them, and takes IPv6 literals bare', () => {
    expect(parseRtmpPublishTarget('rtmp://[::1]:1936/live/sub/k%20y')).toMatchObject({
      host: '::1',
      port: 1936,
      app: 'live',
      streamName: 'sub/k y',
      tcUrl: 'rtmp://[::1]:1936/live',
    });
  });

  it('refuses other schemes and paths without a stream name, naming no part of the URL', () => {
    expect(() => parseRtmpPublishTarget('srt://host:9000?streamid=secret')).toThrow(/is not rtmp or rtmps/);
    expect(() => parseRtmpPublishTarget('rtmp://host/secretonly')).toThrow('no application and stream name in the path (rtmp://host/app/name)');
    expect(() => parseRtmpPublishTarget('not a url secret')).toThrow('not a URL');
    for (const bad of ['rtmp://host/secretonly', 'not a url secret']) {
      try {
        parseRtmpPublishTarget(bad);
      } catch (error) {
        expect((error as Error).message).not.toContain('secret');
      }
    }
  });
});
