import {
  fakeJarVersion,
  fakeScrcpyServerJar,
  formatJavaException,
  parseAppProcessArgs,
  parseScrcpyArgs,
  scrcpySocketName,
  scrcpyVideoSize,
} from './fake-scrcpy-options';

describe('fake scrcpy-server options (scrcpy 3.3.1 rules)', () => {
  it('reads the version back from a fake jar and nothing from other files', () => {
    expect(fakeJarVersion(fakeScrcpyServerJar('3.3.1'))).toBe('3.3.1');
    expect(fakeJarVersion(Buffer.from('PK\x03\x04something else', 'latin1'))).toBeUndefined();
    expect(fakeJarVersion(Buffer.from('fake-scrcpy-server 3.3.1\n'))).toBeUndefined();
    expect(() => fakeScrcpyServerJar('3.3.1 x')).toThrow();
  });

  it('finds the class after app_process VM options, cmd-dir and -- options', () => {
    expect(parseAppProcessArgs(['/', 'com.genymobile.scrcpy.Server', '3.3.1', 'a=b'])).toEqual({
      className: 'com.genymobile.scrcpy.Server',
      mainArgs: ['3.3.1', 'a=b'],
    });
    expect(parseAppProcessArgs(['-XjdwpProvider:adbconnection', '/', '--nice-name=x', 'C', '1'])).toEqual({ className: 'C', mainArgs: ['1'] });
    expect(parseAppProcessArgs(['/'])).toBeUndefined();
  });

  it('applies Size.limit then round8: larger side down, smaller side to the nearest multiple of 8', () => {
    expect(scrcpyVideoSize({ width: 1080, height: 2400 }, 0)).toEqual({ width: 1080, height: 2400 });
    expect(scrcpyVideoSize({ width: 1080, height: 2340 }, 0)).toEqual({ width: 1080, height: 2336 });
    expect(scrcpyVideoSize({ width: 720, height: 1600 }, 720)).toEqual({ width: 328, height: 720 });
    expect(scrcpyVideoSize({ width: 2400, height: 1080 }, 1024)).toEqual({ width: 1024, height: 464 });
    expect(scrcpyVideoSize({ width: 320, height: 640 }, 1024)).toEqual({ width: 320, height: 640 });
  });

  it('parses the options with the real defaults and names the socket from scid', () => {
    const parsed = parseScrcpyArgs('3.3.1', ['3.3.1', 'scid=1a', 'max_size=1023', 'tunnel_forward=TRUE', 'video=no', 'raw_stream=true', 'max_fps=29.97']);
    if ('exception' in parsed) throw new Error(parsed.exception.message);
    expect(parsed.options).toMatchObject({
      scid: 0x1a,
      maxSize: 1016,
      tunnelForward: true,
      video: false,
      audio: true,
      control: true,
      maxFps: 29.97,
      sendDummyByte: false,
      sendFrameMeta: false,
    });
    expect(parsed.warnings).toEqual([]);
    expect(scrcpySocketName(parsed.options.scid)).toBe('scrcpy_0000001a');
    expect(scrcpySocketName(-1)).toBe('scrcpy');
  });

  it('warns about unknown keys and goes on, as the real 3.3.1 does', () => {
    expect(parseScrcpyArgs('3.3.1', ['3.3.1', 'keep_active=true', 'stay_awake=true'])).toMatchObject({ warnings: ['Unknown server option: keep_active'] });
  });

  it.each([
    [['3.3.0'], 'java.lang.IllegalArgumentException', 'The server version (3.3.1) does not match the client (3.3.0)'],
    [[], 'java.lang.IllegalArgumentException', 'Missing client version'],
    [['3.3.1', 'audio'], 'java.lang.IllegalArgumentException', 'Invalid key=value pair: "audio"'],
    [['3.3.1', 'scid=zz'], 'java.lang.NumberFormatException', 'For input string: "zz" under radix 16'],
    [['3.3.1', 'scid=ffffffff'], 'java.lang.NumberFormatException', 'For input string: "ffffffff" under radix 16'],
    [['3.3.1', 'video_bit_rate=8M'], 'java.lang.NumberFormatException', 'For input string: "8M"'],
    [['3.3.1', 'audio_codec=mp3'], 'java.lang.IllegalArgumentException', 'Audio codec mp3 not supported'],
    [['3.3.1', 'log_level=loud'], 'java.lang.IllegalArgumentException', 'No enum constant com.genymobile.scrcpy.util.Ln.Level.LOUD'],
    [['3.3.1', 'max_fps=fast'], 'java.lang.IllegalArgumentException', 'Invalid float value for max_fps: "fast"'],
  ])('dies on %j with %s: %s', (args, className, message) => {
    expect(parseScrcpyArgs('3.3.1', args)).toEqual({ exception: expect.objectContaining({ className, message }) });
  });

  it('prints an exception as Server.main does: the message, then the stack trace', () => {
    const text = formatJavaException({ className: 'java.lang.IllegalArgumentException', message: 'boom', line: 309 });
    expect(text.split('\n').slice(0, 3)).toEqual([
      '[server] ERROR: boom',
      'java.lang.IllegalArgumentException: boom',
      '\tat com.genymobile.scrcpy.Options.parse(Options.java:309)',
    ]);
  });
});
