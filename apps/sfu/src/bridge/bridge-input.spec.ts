import { decideBridgeInput } from './bridge-input';

describe('decideBridgeInput', () => {
  it("reads H.264 and the legacy FLV codecs as the ingest's FLV, and encodes the audio to Opus", () => {
    expect(decideBridgeInput({ video: { codec: 'h264' }, audio: { codec: 'aac' } })).toEqual({ format: 'flv', copyAudio: false });
    expect(decideBridgeInput({ video: { codec: 'h264' }, audio: { codec: 'mp3' } })).toEqual({ format: 'flv', copyAudio: false });
    expect(decideBridgeInput({ video: { codec: 'h264' } })).toEqual({ format: 'flv', copyAudio: false });
    expect(decideBridgeInput({ audio: { codec: 'aac' } })).toEqual({ format: 'flv', copyAudio: false });
    expect(decideBridgeInput({ video: { codec: 'vp6' }, audio: { codec: 'nellymoser' } })).toEqual({ format: 'flv', copyAudio: false });
    expect(decideBridgeInput({ video: { codec: 'h264' }, audio: { codec: 'speex' } })).toEqual({ format: 'flv', copyAudio: false });
  });

  it('reads HEVC, AV1, VP9 and Opus through Matroska, which FFmpeg 5.1 reads them in, and copies Opus as it is', () => {
    expect(decideBridgeInput({ video: { codec: 'hevc' }, audio: { codec: 'aac' } })).toEqual({ format: 'matroska', copyAudio: false });
    expect(decideBridgeInput({ video: { codec: 'av1' }, audio: { codec: 'opus' } })).toEqual({ format: 'matroska', copyAudio: true });
    expect(decideBridgeInput({ video: { codec: 'vp9' } })).toEqual({ format: 'matroska', copyAudio: false });
    expect(decideBridgeInput({ video: { codec: 'h264' }, audio: { codec: 'opus' } })).toEqual({ format: 'matroska', copyAudio: true });
    expect(decideBridgeInput({ video: { codec: 'hevc' }, audio: { codec: 'opus' } })).toEqual({ format: 'matroska', copyAudio: true });
    expect(decideBridgeInput({ audio: { codec: 'opus' } })).toEqual({ format: 'matroska', copyAudio: true });
  });

  it('reads E-RTMP FLAC, AC-3 and E-AC-3 through Matroska beside any video it carries, and encodes them to Opus', () => {
    expect(decideBridgeInput({ video: { codec: 'h264' }, audio: { codec: 'flac' } })).toEqual({ format: 'matroska', copyAudio: false });
    expect(decideBridgeInput({ video: { codec: 'h264' }, audio: { codec: 'ac3' } })).toEqual({ format: 'matroska', copyAudio: false });
    expect(decideBridgeInput({ video: { codec: 'hevc' }, audio: { codec: 'eac3' } })).toEqual({ format: 'matroska', copyAudio: false });
    expect(decideBridgeInput({ video: { codec: 'av1' }, audio: { codec: 'ac3' } })).toEqual({ format: 'matroska', copyAudio: false });
    expect(decideBridgeInput({ audio: { codec: 'eac3' } })).toEqual({ format: 'matroska', copyAudio: false });
  });

  it('names a legacy codec beside one only Matroska carries, which the bridge reads in neither', () => {
    expect(decideBridgeInput({ video: { codec: 'vp6' }, audio: { codec: 'ac3' } })).toEqual({ unsupported: 'video codec vp6 beside ac3' });
    expect(decideBridgeInput({ video: { codec: 'vp9' }, audio: { codec: 'mp3' } })).toEqual({ unsupported: 'audio codec mp3 beside vp9' });
    expect(decideBridgeInput({ video: { codec: 'hevc' }, audio: { codec: 'speex' } })).toEqual({ unsupported: 'audio codec speex beside hevc' });
    expect(decideBridgeInput({ video: { codec: 'vp6' }, audio: { codec: 'opus' } })).toEqual({ unsupported: 'video codec vp6 beside opus' });
  });
});
