import { StreamMediaProbe } from './stream-media-probe';
import { ffmpegSequenceHeaders, testFrames } from './testing/hub-test-frames';

describe('StreamMediaProbe', () => {
  describe("fed FFmpeg's sequence headers (H.264 Main 48x32 @ 10 fps, AAC-LC 44.1 kHz stereo)", () => {
    it('reports codec, profile, level, size, frame rate, sample rate and channels', () => {
      const probe = new StreamMediaProbe();
      probe.observe('video', 0, ffmpegSequenceHeaders.avc());
      probe.observe('audio', 0, ffmpegSequenceHeaders.aac());
      probe.observe('video', 0, testFrames.keyframe());
      expect(probe.codecsKnown).toBe(true);
      expect(probe.mediaInfo).toEqual({
        video: { codec: 'h264', codecString: 'avc1.4d400a', profile: 'Main', level: 1, width: 48, height: 32, fps: 10 },
        audio: { codec: 'aac', codecString: 'mp4a.40.2', sampleRate: 44100, channels: 2 },
      });
      expect(probe.parseErrors).toBe(0);
    });
  });

  it('waits for both configurations unless onMetaData says a track is absent', () => {
    const both = new StreamMediaProbe();
    both.observe('video', 0, ffmpegSequenceHeaders.avc());
    expect(both.codecsKnown).toBe(false);
    both.observe('audio', 0, testFrames.audioConfig());
    expect(both.codecsKnown).toBe(true);

    const videoOnly = new StreamMediaProbe();
    videoOnly.observeMetadata({ width: 48, height: 32, videocodecid: 7 });
    videoOnly.observe('video', 0, ffmpegSequenceHeaders.avc());
    expect(videoOnly.codecsKnown).toBe(true);
  });

  it('measures the frame rate from timestamps when neither the SPS nor onMetaData states it', () => {
    const probe = new StreamMediaProbe();
    probe.observe('video', 0, testFrames.videoConfig());
    for (let i = 0; i < 61; i++) probe.observe('video', Math.round((i * 1000) / 30), i === 0 ? testFrames.keyframe() : testFrames.interframe());
    expect(probe.mediaInfo.video?.fps).toBeCloseTo(30, 0);
  });

  it('counts a malformed sequence header instead of throwing', () => {
    const probe = new StreamMediaProbe();
    probe.observe('video', 0, Buffer.from([0x17, 0x00, 0, 0, 0, 0x02, 0xff]));
    probe.observe('audio', 0, Buffer.from([0xaf, 0x00]));
    expect(probe.parseErrors).toBe(2);
    expect(probe.bytesIn).toBe(9);
  });

  it('reports the bitrate received between samples', () => {
    const probe = new StreamMediaProbe(0);
    probe.observe('video', 0, Buffer.alloc(125_000, 0x27));
    expect(probe.sampleBitrateKbps(1000)).toBe(1000);
    expect(probe.sampleBitrateKbps(2000)).toBe(0);
  });
});
