import { PIPED_FLV_INPUT } from '../ladder/ffmpeg-ladder-args';
import { buildRestreamArgs, restreamFormat } from './restream-args';

describe('buildRestreamArgs', () => {
  const input = { inputUrl: 'http://10.0.0.2:8081/internal/live/s1.flv?token=t', inputTimeoutMs: 5000 };

  it('copies audio and video into FLV for an RTMP target, the target last', () => {
    const args = buildRestreamArgs({ ...input, scheme: 'rtmp', targetUrl: 'rtmp://a.example/live2/key' });
    expect(args.join(' ')).toContain('-i http://10.0.0.2:8081/internal/live/s1.flv?token=t -map 0:v? -map 0:a? -c copy');
    expect(args.slice(-3)).toEqual(['-f', 'flv', 'rtmp://a.example/live2/key']);
    expect(args).toEqual(expect.arrayContaining(['-progress', 'pipe:1']));
    expect(args[args.indexOf('-rw_timeout') + 1]).toBe('5000000');
    expect(args).not.toContain('-c:v');
  });

  it('reads FLV from stdin without a read timeout FFmpeg cannot apply to a pipe', () => {
    const args = buildRestreamArgs({ inputUrl: PIPED_FLV_INPUT, scheme: 'rtmp', targetUrl: 'rtmp://a.example/live2/key' });
    expect(args.join(' ')).toContain('-f flv -i pipe:0 -map 0:v? -map 0:a? -c copy');
    expect(args).not.toContain('-rw_timeout');
  });

  it('muxes MPEG-TS for an SRT target', () => {
    const args = buildRestreamArgs({ ...input, scheme: 'srt', targetUrl: 'srt://h:9000?streamid=x' });
    expect(args.slice(-3)).toEqual(['-f', 'mpegts', 'srt://h:9000?streamid=x']);
    expect(restreamFormat('rtmps')).toBe('flv');
  });

  it('is an argument array: a target with shell syntax stays one argument', () => {
    const target = 'rtmp://h/app/$(touch x);`id`';
    const args = buildRestreamArgs({ ...input, scheme: 'rtmp', targetUrl: target });
    expect(args.filter((a) => a === target)).toHaveLength(1);
  });
});

describe('buildRestreamArgs for what livePullOf picks', () => {
  it('reads a piped MPEG-TS or Matroska pull as such', () => {
    const ts = buildRestreamArgs({ inputUrl: PIPED_FLV_INPUT, inputFormat: 'mpegts', scheme: 'srt', targetUrl: 'srt://h:9000', audioCodec: 'opus' });
    expect(ts.join(' ')).toContain('-f mpegts -i pipe:0 -map 0:v? -map 0:a? -c copy -mpegts_flags +resend_headers -progress');
    const mkv = buildRestreamArgs({ inputUrl: PIPED_FLV_INPUT, inputFormat: 'matroska', scheme: 'srt', targetUrl: 'srt://h:9000', audioCodec: 'ac3' });
    expect(mkv.join(' ')).toContain('-f matroska -i pipe:0');
    expect(mkv).not.toContain('-c:a');
  });

  it('makes AAC of FLAC for an SRT target (MPEG-TS has no FLAC), and copies it to nothing else', () => {
    const srt = buildRestreamArgs({ inputUrl: PIPED_FLV_INPUT, inputFormat: 'matroska', scheme: 'srt', targetUrl: 'srt://h:9000', audioCodec: 'flac' });
    expect(srt.join(' ')).toContain('-c copy -mpegts_flags +resend_headers -c:a aac -b:a 192k');
    const rtmp = buildRestreamArgs({ inputUrl: PIPED_FLV_INPUT, scheme: 'rtmp', targetUrl: 'rtmp://h/app/k', audioCodec: 'flac' });
    expect(rtmp).not.toContain('-c:a');
  });
});
