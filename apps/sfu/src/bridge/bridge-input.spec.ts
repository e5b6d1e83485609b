import { decideBridgeInput } from './bridge-input';

describe('decideBridgeInput', () => {
  it("reads H.264 with AAC or MP3 as the ingest's FLV, and encodes the audio to Opus", () => {
    expect(decideBridgeInput({ video: { codec: 'h264' }, audio: { codec: 'aac' } })).toEqual({ format: 'flv', copyAudio: false });
    expect(decideBridgeInput({ video: { codec: 'h264' }, audio: { codec: 'mp3' } })).toEqual({ format: 'flv', copyAudio: false });
    expect(decideBridgeInput({ video: { codec: 'h264' } })).toEqual({ format: 'flv', copyAudio: false });
    expect(decideBridgeInput({ audio: { codec: 'aac' } })).toEqual({ format: 'flv', copyAudio: false });
  });

  it('reads HEVC and Opus through MPEG-TS, which FFmpeg 5.1 reads them in, and copies Opus as it is', () => {
    expect(decideBridgeInput({ video: { codec: 'hevc' }, audio: { codec: 'aac' } })).toEqual({ format: 'mpegts', copyAudio: false });
    expect(decideBridgeInput({ video: { codec: 'h264' }, audio: { codec: 'opus' } })).toEqual({ format: 'mpegts', copyAudio: true });
    expect(decideBridgeInput({ video: { codec: 'hevc' }, audio: { codec: 'opus' } })).toEqual({ format: 'mpegts', copyAudio: true });
    expect(decideBridgeInput({ audio: { codec: 'opus' } })).toEqual({ format: 'mpegts', copyAudio: true });
  });

  it('names a codec neither FLV nor the MPEG-TS muxer carries', () => {
    expect(decideBridgeInput({ video: { codec: 'av1' }, audio: { codec: 'opus' } })).toEqual({ unsupported: 'video codec av1' });
    expect(decideBridgeInput({ video: { codec: 'vp9' } })).toEqual({ unsupported: 'video codec vp9' });
    expect(decideBridgeInput({ video: { codec: 'hevc' }, audio: { codec: 'flv-6' } })).toEqual({ unsupported: 'audio codec flv-6' });
  });
});
