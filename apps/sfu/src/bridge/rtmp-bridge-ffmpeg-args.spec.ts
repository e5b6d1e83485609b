import { rtmpBridgeFfmpegArgs, type RtmpBridgeArgsOptions } from './rtmp-bridge-ffmpeg-args';

const base: RtmpBridgeArgsOptions = {
  inputUrl: 'tcp://127.0.0.1:45678',
  mode: 'passthrough',
  video: { ip: '127.0.0.1', port: 40010, rtcpPort: 40011, payloadType: 96, ssrc: 1111 },
  audio: { ip: '127.0.0.1', port: 40012, rtcpPort: 40013, payloadType: 111, ssrc: 2222 },
  keyframeIntervalMs: 1000,
  videoBitrateKbps: 2500,
  inputTimeoutMs: 10_000,
  startedAtMs: 1_800_000_000_000,
};

/** One output's arguments: from its `-map` to its URL. */
function outputOf(args: string[], url: RegExp): string[] {
  const end = args.findIndex((a) => url.test(a));
  const start = args.lastIndexOf('-map', end);
  return args.slice(start, end + 1);
}

describe('rtmpBridgeFfmpegArgs', () => {
  it('reads the FLV with a short probe and an input timeout, and reports progress on stdout', () => {
    const args = rtmpBridgeFfmpegArgs(base);
    expect(args.slice(args.indexOf('-i') - 2, args.indexOf('-i') + 2)).toEqual(['-f', 'flv', '-i', base.inputUrl]);
    expect(args[args.indexOf('-rw_timeout') + 1]).toBe('10000000');
    expect(args).toEqual(expect.arrayContaining(['-progress', 'pipe:1', '-nostats', '-nostdin']));
    // The cached burst is read at most 4× real time, so its RTP does not overflow the SFU's socket.
    expect(args[args.indexOf('-readrate') + 1]).toBe('4');
    expect(args.indexOf('-readrate')).toBeLessThan(args.indexOf('-i'));
  });

  it('passthrough copies H.264, converting to Annex B with SPS/PPS in band, to the video RTP port with its SSRC and payload type', () => {
    const video = outputOf(rtmpBridgeFfmpegArgs(base), /:40010\?/);
    expect(video).toEqual([
      '-map',
      '0:v:0',
      '-c:v',
      'copy',
      '-bsf:v',
      'h264_mp4toannexb',
      '-f',
      'rtp',
      '-start_time_realtime',
      '1800000000000000',
      '-ssrc',
      '1111',
      '-payload_type',
      '96',
      'rtp://127.0.0.1:40010?rtcpport=40011&pkt_size=1200',
    ]);
  });

  it('reencode runs x264 zerolatency Constrained Baseline without B-frames and forces a keyframe every interval of media time', () => {
    const video = outputOf(rtmpBridgeFfmpegArgs({ ...base, mode: 'reencode', keyframeIntervalMs: 500 }), /:40010\?/);
    expect(video).toEqual(expect.arrayContaining(['libx264', 'zerolatency', 'baseline', '2500k']));
    expect(video[video.indexOf('-bf') + 1]).toBe('0');
    expect(video[video.indexOf('-force_key_frames') + 1]).toBe('expr:gte(t,n_forced*0.5)');
    expect(video).not.toContain('copy');
  });

  it('reencode decodes with slice threads only (frame threads hold every frame back), passthrough decodes nothing', () => {
    const args = rtmpBridgeFfmpegArgs({ ...base, mode: 'reencode' });
    expect(args[args.indexOf('-thread_type') + 1]).toBe('slice');
    expect(args.indexOf('-thread_type')).toBeLessThan(args.indexOf('-i'));
    expect(rtmpBridgeFfmpegArgs(base)).not.toContain('-thread_type');
  });

  it('turns the audio into 48 kHz stereo Opus on the audio RTP port, in either mode', () => {
    for (const mode of ['passthrough', 'reencode'] as const) {
      const audio = outputOf(rtmpBridgeFfmpegArgs({ ...base, mode }), /:40012\?/);
      expect(audio.slice(0, 10)).toEqual(['-map', '0:a:0', '-c:a', 'libopus', '-ar', '48000', '-ac', '2', '-b:a', '96k']);
      // The same sender-report anchor as the video's, so the browser's lip sync does not hold either back.
      expect(audio.slice(-7)).toEqual([
        '-start_time_realtime',
        '1800000000000000',
        '-ssrc',
        '2222',
        '-payload_type',
        '111',
        'rtp://127.0.0.1:40012?rtcpport=40013&pkt_size=1200',
      ]);
    }
  });

  it("reads the relay's Matroska (HEVC, Opus sources) as such, and copies its H.264 into Annex B with SPS/PPS in band as from FLV", () => {
    const args = rtmpBridgeFfmpegArgs({ ...base, inputFormat: 'matroska' });
    expect(args.slice(args.indexOf('-i') - 2, args.indexOf('-i') + 2)).toEqual(['-f', 'matroska', '-i', base.inputUrl]);
    expect(outputOf(args, /:40010\?/).slice(0, 6)).toEqual(['-map', '0:v:0', '-c:v', 'copy', '-bsf:v', 'h264_mp4toannexb']);
  });

  it('copies an Opus source into RTP as it is, in either mode', () => {
    for (const mode of ['passthrough', 'reencode'] as const) {
      const audio = outputOf(rtmpBridgeFfmpegArgs({ ...base, mode, inputFormat: 'matroska', copyAudio: true }), /:40012\?/);
      expect(audio.slice(0, 6)).toEqual(['-map', '0:a:0', '-c:a', 'copy', '-f', 'rtp']);
      expect(audio).not.toContain('libopus');
    }
  });

  it('leaves out a track the stream does not have', () => {
    const { audio: _audio, ...videoOnly } = base;
    const args = rtmpBridgeFfmpegArgs(videoOnly);
    expect(args).not.toContain('0:a:0');
    expect(args.filter((a) => a.startsWith('rtp://'))).toHaveLength(1);
  });
});
