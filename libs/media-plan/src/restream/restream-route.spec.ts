import { restreamRoute } from './restream-route';

describe('restreamRoute', () => {
  it('pushes E-RTMP codecs to RTMP and RTMPS targets as tags, and leaves legacy FLV codecs (or unknown ones) to FFmpeg', () => {
    for (const scheme of ['rtmp', 'rtmps'] as const) {
      for (const codecs of [
        { video: 'hevc', audio: 'aac' },
        { video: 'av1' },
        { video: 'vp9', audio: 'opus' },
        { video: 'h264', audio: 'opus' },
        { video: 'h264', audio: 'ac3' },
        { video: 'h264', audio: 'eac3' },
        { video: 'h264', audio: 'flac' },
      ]) {
        expect(restreamRoute(scheme, codecs)).toEqual({ kind: 'tag-push' });
      }
      for (const codecs of [{ video: 'h264', audio: 'aac' }, { video: 'h264', audio: 'mp3' }, { audio: 'aac' }, {}]) {
        expect(restreamRoute(scheme, codecs)).toEqual({ kind: 'ffmpeg' });
      }
    }
  });

  it('sends SRT targets through FFmpeg for what MPEG-TS carries, and refuses AV1 and VP9 with a reason that says what to do', () => {
    for (const codecs of [
      { video: 'h264', audio: 'aac' },
      { video: 'hevc', audio: 'opus' },
      { video: 'h264', audio: 'flac' },
      { video: 'hevc', audio: 'eac3' },
      {},
    ]) {
      expect(restreamRoute('srt', codecs)).toEqual({ kind: 'ffmpeg' });
    }
    for (const video of ['av1', 'vp9']) {
      const route = restreamRoute('srt', { video, audio: 'opus' });
      expect(route).toEqual({
        kind: 'refused',
        reason: expect.stringMatching(new RegExp(`^${video.toUpperCase()} video cannot be carried in MPEG-TS.*push it over RTMP or RTMPS$`)),
      });
    }
  });
});
