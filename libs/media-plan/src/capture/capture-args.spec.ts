import { parseSrtStreamId } from '@mediaplane/sessions';
import {
  capturePassthrough,
  capturePublishArgs,
  capturePublishUrl,
  drawtextEscape,
  fitVideoFilter,
  liveX264Args,
  slateInputArgs,
  testPatternInputArgs,
  v4l2InputArgs,
  x11grabInputArgs,
} from './capture-args';

const q720 = { width: 1280, height: 720, fps: 30, bitrateKbps: 2500 };
const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('capturePublishUrl', () => {
  it('appends the key to the RTMP app', () => {
    expect(capturePublishUrl('rtmp', 'rtmp://ingest:1935/live/', 'sk_abc')).toBe('rtmp://ingest:1935/live/sk_abc');
  });

  it('puts the key in an SRT access-control streamid as-is (FFmpeg passes it on undecoded), the way ingest parses it', () => {
    const url = capturePublishUrl('srt', 'srt://ingest:9000', 'sk_abc');
    expect(url).toBe('srt://ingest:9000?streamid=#!::r=live/sk_abc,m=publish&pkt_size=1316&transtype=live');
    const streamid = /streamid=([^&]*)/.exec(url)?.[1] ?? '';
    expect(parseSrtStreamId(streamid)).toEqual({ ok: true, request: { mode: 'publish', streamKey: 'sk_abc' } });
  });

  it('refuses keys that could change the URL and servers of the wrong scheme', () => {
    expect(() => capturePublishUrl('rtmp', 'rtmp://h/live', 'a/b')).toThrow(/stream key/);
    expect(() => capturePublishUrl('rtmp', 'srt://h:9000', 'k')).toThrow(/RTMP/);
    expect(() => capturePublishUrl('srt', 'rtmp://h/live', 'k')).toThrow(/SRT/);
  });
});

describe('capturePublishArgs', () => {
  const base = { inputArgs: ['-f', 'h264', '-i', 'pipe:0'], quality: q720, output: 'rtmp' as const, url: 'rtmp://h/live/sk_x' };

  it('passes H.264 through when the feed is H.264 and passthrough is allowed', () => {
    const args = capturePublishArgs({ ...base, videoIsH264: true, allowPassthrough: true, stdinInput: true });
    expect(after(args, '-c:v')).toBe('copy');
    expect(args).not.toContain('-vf');
    expect(args).not.toContain('-nostdin');
    expect(args.slice(-5)).toEqual(['-f', 'flv', '-flvflags', 'no_duration_filesize', 'rtmp://h/live/sk_x']);
    expect(args.at(-1)).toBe('rtmp://h/live/sk_x');
  });

  it('re-encodes with libx264 zerolatency and a keyframe every 2 s otherwise', () => {
    for (const [videoIsH264, allowPassthrough] of [
      [false, true],
      [true, false],
    ] as const) {
      expect(capturePassthrough({ videoIsH264, allowPassthrough })).toBe(false);
      const args = capturePublishArgs({ ...base, videoIsH264, allowPassthrough });
      expect(after(args, '-c:v')).toBe('libx264');
      expect(after(args, '-tune')).toBe('zerolatency');
      expect(after(args, '-g')).toBe('60');
      expect(after(args, '-b:v')).toBe('2500k');
      expect(after(args, '-vf')).toBe(fitVideoFilter(q720));
      expect(args).toContain('-nostdin');
    }
  });

  it('keeps the GOP at 2 s for any frame rate', () => {
    expect(after(liveX264Args({ ...q720, fps: 15 }), '-g')).toBe('30');
    expect(after(liveX264Args({ ...q720, fps: 1 }), '-g')).toBe('2');
  });

  it('writes MPEG-TS for SRT, progress to stdout, AAC audio', () => {
    const args = capturePublishArgs({ ...base, videoIsH264: false, allowPassthrough: true, output: 'srt', url: 'srt://h:9000?streamid=x' });
    expect(after(args, '-f')).toBe('h264'); // the input's
    expect(args.slice(args.lastIndexOf('-f'), args.lastIndexOf('-f') + 2)).toEqual(['-f', 'mpegts']);
    expect(after(args, '-progress')).toBe('pipe:1');
    expect(after(args, '-c:a')).toBe('aac');
  });

  it('fits any picture into the box with the aspect kept (constant output size across rotations)', () => {
    expect(fitVideoFilter(q720)).toBe(
      'scale=1280:720:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=1280:720:(ow-iw)/2:(oh-ih)/2:color=black,fps=30,format=yuv420p',
    );
  });
});

describe('source inputs', () => {
  it('escapes drawtext specials so a device name cannot break the graph', () => {
    expect(drawtextEscape("Bob's: 100%\\")).toBe("Bob\\'s\\: 100\\%\\\\");
    const args = slateInputArgs(q720, "Pixel: it's 7");
    expect(args[4]).toContain("text='Pixel\\: it\\'s 7'");
    expect(args).toEqual([
      '-re',
      '-f',
      'lavfi',
      '-i',
      expect.stringMatching(/^color=c=0x1e2430:s=1280x720:r=30,/),
      '-re',
      '-f',
      'lavfi',
      '-i',
      'anullsrc=r=48000:cl=stereo',
    ]);
  });

  it('burns the wall clock into the test pattern and adds a tone', () => {
    const args = testPatternInputArgs({ ...q720, width: 640, height: 360 }, 'agent-1');
    expect(args[4]).toMatch(/^testsrc2=size=640x360:rate=30,drawtext=text='%\{localtime\\:%T\} %\{pts\\:hms\}'/);
    expect(args.slice(5)).toEqual(['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000']);
  });

  it('grabs an X display, with PulseAudio only when given', () => {
    expect(x11grabInputArgs({ display: ':99', fps: 25 })).toEqual([
      '-f',
      'x11grab',
      '-framerate',
      '25',
      '-draw_mouse',
      '1',
      '-thread_queue_size',
      '512',
      '-i',
      ':99',
    ]);
    expect(x11grabInputArgs({ display: ':1', fps: 30, pulseSource: 'default' }).slice(-6)).toEqual([
      '-f',
      'pulse',
      '-thread_queue_size',
      '512',
      '-i',
      'default',
    ]);
  });

  it('asks a V4L2 camera for the size and rate, with ALSA when given', () => {
    const args = v4l2InputArgs({ device: '/dev/video0', quality: q720, alsaDevice: 'hw:1' });
    expect(args).toEqual([
      '-f',
      'v4l2',
      '-framerate',
      '30',
      '-video_size',
      '1280x720',
      '-thread_queue_size',
      '512',
      '-i',
      '/dev/video0',
      '-f',
      'alsa',
      '-thread_queue_size',
      '512',
      '-i',
      'hw:1',
    ]);
  });
});
