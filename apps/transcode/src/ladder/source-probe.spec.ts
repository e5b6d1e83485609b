import { parseProbe } from './source-probe';

describe('parseProbe', () => {
  it('reads size, rate, codecs and their RFC 6381 strings', () => {
    expect(
      parseProbe({
        streams: [
          { codec_type: 'video', codec_name: 'h264', profile: 'High', level: 31, width: 1280, height: 720, avg_frame_rate: '30000/1001' },
          { codec_type: 'audio', codec_name: 'aac', profile: 'LC' },
        ],
      }),
    ).toEqual({
      width: 1280,
      height: 720,
      fps: 30000 / 1001,
      videoCodec: 'h264',
      videoCodecString: 'avc1.64001f',
      hasAudio: true,
      audioCodec: 'aac',
      audioCodecString: 'mp4a.40.2',
    });
  });

  it('refuses a source without video', () => {
    expect(() => parseProbe({ streams: [{ codec_type: 'audio', codec_name: 'aac' }] })).toThrow(/no video/);
  });
});
