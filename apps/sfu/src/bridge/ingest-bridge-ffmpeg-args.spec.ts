import type { NodeHeartbeat } from '@mediaplane/contracts';
import type { PlainRtpStream } from '../engine/rtc-engine';
import { ingestBridgeFfmpegArgs } from './ingest-bridge-ffmpeg-args';
import { ffmpegSdp } from './ffmpeg-sdp';
import { ingestPullUrl, pickIngest } from './ingest-locator';

const h264: PlainRtpStream = {
  kind: 'video',
  producerId: 'v',
  mimeType: 'video/H264',
  payloadType: 125,
  clockRate: 90000,
  fmtp: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
  ssrc: 1111,
  ip: '127.0.0.1',
  port: 50000,
};
const opus: PlainRtpStream = {
  kind: 'audio',
  producerId: 'a',
  mimeType: 'audio/opus',
  payloadType: 100,
  clockRate: 48000,
  channels: 2,
  fmtp: '',
  ssrc: 2222,
  ip: '127.0.0.1',
  port: 50010,
};

describe('the SDP FFmpeg reads the bridge RTP with', () => {
  it('has one section per stream with its port, payload type, codec parameters and SSRC', () => {
    const sdp = ffmpegSdp([h264, opus]);
    expect(sdp.split('\r\n')).toEqual([
      'v=0',
      'o=- 0 0 IN IP4 127.0.0.1',
      's=mediaplane ingest bridge',
      't=0 0',
      'm=video 50000 RTP/AVP 125',
      'c=IN IP4 127.0.0.1',
      'a=rtpmap:125 H264/90000',
      'a=fmtp:125 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
      'a=ssrc:1111 cname:mediaplane',
      'a=recvonly',
      'm=audio 50010 RTP/AVP 100',
      'c=IN IP4 127.0.0.1',
      'a=rtpmap:100 opus/48000/2',
      'a=ssrc:2222 cname:mediaplane',
      'a=recvonly',
      '',
    ]);
  });

  it('names VP8 and refuses an empty stream list', () => {
    expect(ffmpegSdp([{ ...h264, mimeType: 'video/VP8', fmtp: '' }])).toContain('a=rtpmap:125 VP8/90000\r\n');
    expect(() => ffmpegSdp([])).toThrow();
  });
});

describe('the bridge FFmpeg arguments', () => {
  const base = { sdpPath: '/tmp/x/stream.sdp', rtmpUrl: 'rtmp://10.0.0.1:1935/live/TOKEN', gopSeconds: 2, videoKbps: 2500, audioKbps: 128 };
  const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

  it('copy H.264, turn Opus into AAC and push FLV to the ingest', () => {
    const args = ingestBridgeFfmpegArgs({ ...base, streams: [h264, opus] });
    expect(after(args, '-protocol_whitelist')).toBe('file,udp,rtp');
    expect(args.slice(args.indexOf('-f'), args.indexOf('-f') + 4)).toEqual(['-f', 'sdp', '-i', '/tmp/x/stream.sdp']);
    expect(after(args, '-c:v')).toBe('copy');
    expect(after(args, '-c:a')).toBe('aac');
    expect(args).not.toContain('libx264');
    expect(args.slice(-5)).toEqual(['-f', 'flv', '-flvflags', 'no_duration_filesize', 'rtmp://10.0.0.1:1935/live/TOKEN']);
    expect(after(args, '-progress')).toBe('pipe:1');
  });

  it('encode VP8 to H.264 with keyframes every GOP', () => {
    const args = ingestBridgeFfmpegArgs({ ...base, streams: [{ ...h264, mimeType: 'video/VP8', fmtp: '' }, opus] });
    expect(after(args, '-c:v')).toBe('libx264');
    expect(after(args, '-tune')).toBe('zerolatency');
    expect(after(args, '-b:v')).toBe('2500k');
    expect(after(args, '-force_key_frames')).toBe('expr:gte(t,n_forced*2)');
  });

  it('map only what is there', () => {
    const audioOnly = ingestBridgeFfmpegArgs({ ...base, streams: [opus] });
    expect(audioOnly).not.toContain('0:v:0');
    expect(audioOnly).toContain('0:a:0');
    const videoOnly = ingestBridgeFfmpegArgs({ ...base, streams: [h264] });
    expect(videoOnly).not.toContain('-c:a');
    expect(() => ingestBridgeFfmpegArgs({ ...base, streams: [] })).toThrow();
  });
});

describe('the ingest a bridge pushes to', () => {
  const node = (instanceId: string, streams: number, extra: Partial<NodeHeartbeat> = {}): NodeHeartbeat => ({
    app: 'ingest',
    instanceId,
    version: '1',
    host: '10.0.0.1',
    ports: { rtmp: 1935, http: 8081 },
    ready: true,
    startedAt: new Date().toISOString(),
    sentAt: new Date().toISOString(),
    ttlMs: 3000,
    load: { cpu: 0, rssBytes: 0, eventLoopLagMs: 0, units: { streams } },
    facts: {},
    ...extra,
  });

  it('is the ready ingest with the fewest streams, with an RTMP and an HTTP port', () => {
    const picked = pickIngest([
      node('busy', 5),
      node('idle-not-ready', 0, { ready: false }),
      node('no-rtmp', 0, { ports: { http: 8081 } }),
      node('sfu', 0, { app: 'sfu' }),
      node('free', 1, { host: 'fd00::5' }),
    ]);
    expect(picked).toEqual({ instanceId: 'free', rtmpBase: 'rtmp://[fd00::5]:1935', httpBase: 'http://[fd00::5]:8081' });
    expect(ingestPullUrl(picked!, 's1')).toBe('http://[fd00::5]:8081/live/s1.flv');
  });

  it('is none when no ingest can take it', () => {
    expect(pickIngest([node('x', 0, { ready: false })])).toBeUndefined();
    expect(pickIngest([])).toBeUndefined();
  });
});
