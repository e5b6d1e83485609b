import { targetDurationOf } from './playlist-target-duration';

describe('targetDurationOf', () => {
  it('reads EXT-X-TARGETDURATION from a media playlist', () => {
    const playlist = Buffer.from('#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:7\n#EXTINF:4.000,\ns7.ts\n');
    expect(targetDurationOf(playlist)).toBe(4);
  });

  it('reads it at the very end of the playlist too', () => {
    expect(targetDurationOf(Buffer.from('#EXTM3U\n#EXT-X-TARGETDURATION:12'))).toBe(12);
  });

  it('says nothing for a master playlist, a zero, or a value that is not a number', () => {
    expect(targetDurationOf(Buffer.from('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n720p/index.m3u8\n'))).toBeUndefined();
    expect(targetDurationOf(Buffer.from('#EXT-X-TARGETDURATION:0\n'))).toBeUndefined();
    expect(targetDurationOf(Buffer.from('#EXT-X-TARGETDURATION:x\n'))).toBeUndefined();
  });
});
