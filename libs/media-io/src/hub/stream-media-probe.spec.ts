import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MpegTsDemuxer, MpegTsToFlv, buildOpusHead, type FlvTagBody } from '@mediaplane/codecs';
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

  describe('fed Enhanced RTMP (E-RTMP) sequence headers', () => {
    /** libx265 160x90 (coded 160x96) + AAC mono 44.1 kHz, as tag bodies with HEVC as 'hvc1' or codec id 12. */
    function hevcTags(hevc: 'hvc1' | 'codec-id-12'): FlvTagBody[] {
      const demuxer = new MpegTsDemuxer();
      const ts = readFileSync(join(__dirname, '../../../codecs/src/fixtures/hevc-aac.mpegts'));
      return new MpegTsToFlv({ hevc }).pushAll([...demuxer.push(ts), ...demuxer.flush()]);
    }
    const ex = (first: number, fourCc: string, body: Buffer): Buffer => Buffer.concat([Buffer.from([first]), Buffer.from(fourCc, 'latin1'), body]);

    it.each(['hvc1', 'codec-id-12'] as const)('reports HEVC with profile, level and the cropped size from the hvcC SPS (%s)', (hevc) => {
      const probe = new StreamMediaProbe();
      for (const tag of hevcTags(hevc)) probe.observe(tag.kind, tag.timestamp, tag.payload);
      expect(probe.codecsKnown).toBe(true);
      expect(probe.mediaInfo).toMatchObject({
        video: { codec: 'hevc', profile: 'Main', level: 1, width: 160, height: 90 },
        audio: { codec: 'aac', sampleRate: 44100, channels: 1 },
      });
      expect(probe.parseErrors).toBe(0);
    });

    it("reads the AudioSpecificConfig behind an 'mp4a' ex-header and the OpusHead behind an 'Opus' one", () => {
      const aac = new StreamMediaProbe();
      // SoundFormat 9 (ex-header) | SequenceStart, 'mp4a', AAC-LC 48 kHz stereo.
      aac.observe('audio', 0, ex(0x90, 'mp4a', Buffer.from([0x11, 0x90])));
      expect(aac.mediaInfo.audio).toEqual({ codec: 'aac', codecString: 'mp4a.40.2', sampleRate: 48000, channels: 2 });

      const opus = new StreamMediaProbe();
      opus.observeMetadata({ audiocodecid: 9 });
      expect(opus.codecsKnown).toBe(false);
      opus.observe('audio', 0, ex(0x90, 'Opus', buildOpusHead(1, 44100)));
      opus.observe('audio', 20, ex(0x91, 'Opus', Buffer.from([0xfc, 0xff, 0xfe])));
      expect(opus.codecsKnown).toBe(true);
      // Opus decodes at 48 kHz whatever the encoder's input rate was.
      expect(opus.mediaInfo.audio).toEqual({ codec: 'opus', codecString: 'Opus', sampleRate: 48000, channels: 1 });
    });

    it("reads the sample rate and channels of 'ac-3' and 'ec-3' from their first sync frame, which they wait for", () => {
      const ac3 = new StreamMediaProbe();
      ac3.observeMetadata({ audiocodecid: 9 });
      // A SequenceStart says nothing for AC-3 (E-RTMP defines none): the stream is not described yet.
      ac3.observe('audio', 0, ex(0x90, 'ac-3', Buffer.alloc(0)));
      expect(ac3.codecsKnown).toBe(false);
      // CodedFrames, a 48 kHz 5.1 sync frame header (as FFmpeg's AC-3 encoder writes it at 44.1 kHz, fscod rewritten).
      ac3.observe('audio', 0, ex(0x91, 'ac-3', Buffer.from('0b770dce1e40ebf8', 'hex')));
      expect(ac3.codecsKnown).toBe(true);
      expect(ac3.mediaInfo.audio).toEqual({ codec: 'ac3', codecString: 'ac-3', sampleRate: 48000, channels: 6 });

      const eac3 = new StreamMediaProbe();
      eac3.observe('audio', 0, ex(0x91, 'ec-3', Buffer.from('0b77011fb287c000', 'hex')));
      expect(eac3.mediaInfo.audio).toEqual({ codec: 'eac3', codecString: 'ec-3', sampleRate: 32000, channels: 1 });

      const garbage = new StreamMediaProbe();
      garbage.observeMetadata({ audiocodecid: 9 });
      garbage.observe('audio', 0, ex(0x91, 'ac-3', Buffer.from('not a sync frame')));
      expect([garbage.codecsKnown, garbage.mediaInfo.audio]).toEqual([false, { codec: 'ac3' }]);
    });

    it("reads the sample rate and channels of 'fLaC' from the STREAMINFO in its SequenceStart", () => {
      const flac = new StreamMediaProbe();
      flac.observeMetadata({ audiocodecid: 9 });
      // 'fLaC' + STREAMINFO flagged last, as FFmpeg writes 48 kHz stereo.
      const header = Buffer.from('664c614380000022120012000000780005110bb802f0000012c0ba43705036a3bb057849a9f54f6928a3', 'hex');
      flac.observe('audio', 0, ex(0x90, 'fLaC', header));
      expect(flac.codecsKnown).toBe(true);
      expect(flac.mediaInfo.audio).toEqual({ codec: 'flac', codecString: 'fLaC', sampleRate: 48000, channels: 2 });
    });

    it("names AV1 and VP9 from their FourCC ('av01', 'vp09')", () => {
      for (const [fourCc, codec] of [
        ['av01', 'av1'],
        ['vp09', 'vp9'],
      ] as const) {
        const probe = new StreamMediaProbe();
        probe.observeMetadata({ videocodecid: 0 });
        probe.observe('video', 0, ex(0x90, fourCc, Buffer.from([0x81, 0, 0x0c, 0])));
        probe.observe('video', 0, ex(0x93, fourCc, Buffer.from([0x12, 0])));
        expect(probe.codecsKnown).toBe(true);
        expect(probe.mediaInfo.video?.codec).toBe(codec);
      }
    });

    it('reads the profile, level and size of AV1 from the sequence header in its av1C, and of VP9 from its vpcC and first keyframe', () => {
      const av1 = new StreamMediaProbe();
      const sequenceHeaderObu = Buffer.from('0a0b0000000cc4ff6736be4010', 'hex'); // libaom, 640x360
      av1.observe('video', 0, ex(0x90, 'av01', Buffer.concat([Buffer.from([0x81, 0x01, 0x0c, 0]), sequenceHeaderObu])));
      // libaom's header says seq_level_idx 1 (level 2.1), 8 bits, Main tier.
      expect(av1.mediaInfo.video).toEqual({ codec: 'av1', codecString: 'av01.0.01M.08', profile: 'Main', level: 2.1, width: 640, height: 360 });
      const vp9 = new StreamMediaProbe();
      vp9.observe('video', 0, ex(0x90, 'vp09', Buffer.from([1, 0, 0, 0, 0, 21, 0x82, 2, 2, 2, 0, 0])));
      expect(vp9.mediaInfo.video).toEqual({ codec: 'vp9', codecString: 'vp09.00.21.08', profile: 'Profile 0', level: 2.1 });
      vp9.observe('video', 0, ex(0x91, 'vp09', Buffer.from('824983420027f01676083824', 'hex'))); // libvpx keyframe, 640x360
      expect(vp9.mediaInfo.video).toMatchObject({ codec: 'vp9', codecString: 'vp09.00.21.08', profile: 'Profile 0', level: 2.1, width: 640, height: 360 });
      expect(vp9.parseErrors + av1.parseErrors).toBe(0);
    });

    it('counts a malformed OpusHead or hvcC instead of throwing', () => {
      const probe = new StreamMediaProbe();
      probe.observe('audio', 0, ex(0x90, 'Opus', Buffer.from('OpusHe')));
      probe.observe('video', 0, ex(0x90, 'hvc1', Buffer.from([1, 2, 3])));
      expect(probe.parseErrors).toBe(2);
    });
  });
});
