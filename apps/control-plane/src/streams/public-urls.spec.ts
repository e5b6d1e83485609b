import { PublicUrls } from './public-urls';

describe('PublicUrls', () => {
  const base = { MEDIAPLANE_PUBLIC_HOST: 'media.example', CONTROL_PLANE_HTTP_PORT: 8080 } as const;

  describe('with only a public host', () => {
    const urls = new PublicUrls(base);

    it('builds the publish URLs of PLATFORM.md on the default ports', () => {
      expect(urls.ingest('abc', 'sk_1')).toEqual({
        rtmp: 'rtmp://media.example:1935/live/sk_1',
        rtmpServer: 'rtmp://media.example:1935/live',
        srt: 'srt://media.example:9000?streamid=#!::r=live/sk_1,m=publish',
        srtStreamId: '#!::r=live/sk_1,m=publish',
        whip: 'http://media.example:8083/whip/abc',
      });
    });

    it('adds the passphrase with its key length (default 16) to the SRT publish URL', () => {
      expect(urls.ingest('abc', 'sk_1', { passphrase: 'correct-horse.battery' }).srt).toBe(
        'srt://media.example:9000?streamid=#!::r=live/sk_1,m=publish&passphrase=correct-horse.battery&pbkeylen=16',
      );
      expect(urls.ingest('abc', 'sk_1', { passphrase: 'correct-horse.battery', keyLength: 32 }).srt).toMatch(/&pbkeylen=32$/);
    });

    it("writes the latency in microseconds, FFmpeg's unit", () => {
      expect(urls.ingest('abc', 'sk_1', { latencyMs: 250 }).srt).toBe('srt://media.example:9000?streamid=#!::r=live/sk_1,m=publish&latency=250000');
      expect(urls.ingest('abc', 'sk_1', { passphrase: 'p'.repeat(10), keyLength: 24, latencyMs: 20 }).srt).toMatch(
        /&passphrase=p{10}&pbkeylen=24&latency=20000$/,
      );
    });

    it('builds the playback URLs by stream id, never by key', () => {
      expect(urls.playback('abc')).toEqual({
        hls: 'http://media.example:8082/hls/abc/master.m3u8',
        flv: 'http://media.example:8081/live/abc.flv',
        wsflv: 'ws://media.example:8081/live/abc.flv',
        rtmp: 'rtmp://media.example:1935/live/abc',
        whep: 'http://media.example:8083/whep/abc',
        srt: 'srt://media.example:9000?streamid=#!::r=live/abc,m=request',
        snapshot: 'http://media.example:8080/api/v1/streams/abc/snapshot.jpg',
      });
    });

    it('appends a playback token to every playback URL, in the streamid for SRT', () => {
      const { srt, ...others } = urls.playback('abc', 'v1.abc.1.play.x_y');
      for (const value of Object.values(others)) expect(value).toMatch(/\?token=v1\.abc\.1\.play\.x_y$/);
      expect(srt).toBe('srt://media.example:9000?streamid=#!::r=live/abc,m=request,s=v1.abc.1.play.x_y');
    });
  });

  describe('with configured bases', () => {
    it('uses them and adds RTMPS when it is configured', () => {
      const urls = new PublicUrls({
        ...base,
        MEDIAPLANE_PUBLIC_RTMP_URL: 'rtmp://in.example/app',
        MEDIAPLANE_PUBLIC_RTMPS_URL: 'rtmps://in.example:443/app',
        MEDIAPLANE_PUBLIC_HLS_URL: 'https://cdn.example/hls',
        MEDIAPLANE_PUBLIC_API_URL: 'https://api.example/api/v1',
      });
      expect(urls.ingest('abc', 'sk_1')).toMatchObject({ rtmp: 'rtmp://in.example/app/sk_1', rtmps: 'rtmps://in.example:443/app/sk_1' });
      expect(urls.playback('abc').hls).toBe('https://cdn.example/hls/abc/master.m3u8');
      expect(urls.playback('abc').snapshot).toBe('https://api.example/api/v1/streams/abc/snapshot.jpg');
    });
  });
});
