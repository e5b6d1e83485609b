/**
 * The pure half of the fake scrcpy-server: what `app_process` and scrcpy-server 3.3.1 make of their command line
 * (server/src/main/java/com/genymobile/scrcpy/Options.java, Server.java at tag v3.3.1), the fake jar, and the video
 * size rule (Size.limit + Size.round8). No sockets, no FFmpeg, so each rule can be read (and tested) on its own.
 */

export const SCRCPY_SERVER_CLASS = 'com.genymobile.scrcpy.Server';

const JAR_MAGIC = Buffer.from('PK\x03\x04', 'latin1');
const JAR_LINE = /^fake-scrcpy-server ([0-9A-Za-z._+-]{1,32})\n/;

/**
 * The content of a fake scrcpy-server.jar of `version`: a zip signature (so a client that sniffs the file sees a jar)
 * and a text line the fake app_process reads the server version from.
 */
export function fakeScrcpyServerJar(version: string): Buffer {
  if (!/^[0-9A-Za-z._+-]{1,32}$/.test(version)) throw new Error(`fakeScrcpyServerJar: bad version ${JSON.stringify(version)}`);
  return Buffer.concat([JAR_MAGIC, Buffer.from(`fake-scrcpy-server ${version}\n`)]);
}

/** The version of a fake jar, or undefined for anything else (app_process then finds no class in it). */
export function fakeJarVersion(content: Buffer): string | undefined {
  if (!content.subarray(0, 4).equals(JAR_MAGIC)) return undefined;
  return JAR_LINE.exec(content.subarray(4, 64).toString('latin1'))?.[1];
}

/**
 * `app_process [vm-options] cmd-dir [--options] class [args…]` (frameworks/base/cmds/app_process/app_main.cpp):
 * the class and its arguments, or undefined when no class is given.
 */
export function parseAppProcessArgs(args: string[]): { className: string; mainArgs: string[] } | undefined {
  let i = 0;
  while (i < args.length && (args[i] as string).startsWith('-')) i++; // VM options, e.g. -XjdwpProvider:adbconnection
  i++; // cmd-dir, unused ("/")
  while (i < args.length && (args[i] as string).startsWith('--')) i++; // --nice-name=…, --application
  const className = args[i];
  return className === undefined ? undefined : { className, mainArgs: args.slice(i + 1) };
}

export type ScrcpyLogLevel = 'VERBOSE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export const LOG_LEVELS: readonly ScrcpyLogLevel[] = ['VERBOSE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export interface ScrcpyOptions {
  /** 31-bit value, or -1 for none (socket "scrcpy"). */
  scid: number;
  logLevel: ScrcpyLogLevel;
  video: boolean;
  audio: boolean;
  control: boolean;
  videoCodec: 'h264' | 'h265' | 'av1';
  audioCodec: 'opus' | 'aac' | 'flac' | 'raw';
  videoBitRate: number;
  /** A multiple of 8; 0 = no limit. */
  maxSize: number;
  /** 0 = the display's rate. */
  maxFps: number;
  tunnelForward: boolean;
  sendDeviceMeta: boolean;
  sendFrameMeta: boolean;
  sendDummyByte: boolean;
  sendCodecMeta: boolean;
  listEncoders: boolean;
  listDisplays: boolean;
  listCameras: boolean;
  listApps: boolean;
}

/** A Java exception as Server.main prints it: "[server] ERROR: <message>" then the stack trace. */
export interface JavaException {
  className: string;
  message: string;
  /** Line of Options.java that throws, for the trace (0: unknown). */
  line: number;
}

export interface ParsedScrcpyArgs {
  options: ScrcpyOptions;
  /** Ln.w lines printed while parsing (unknown keys: the real 3.3.1 only warns and goes on). */
  warnings: string[];
}

const DEFAULTS: ScrcpyOptions = {
  scid: -1,
  logLevel: 'DEBUG',
  video: true,
  audio: true,
  control: true,
  videoCodec: 'h264',
  audioCodec: 'opus',
  videoBitRate: 8_000_000,
  maxSize: 0,
  maxFps: 0,
  tunnelForward: false,
  sendDeviceMeta: true,
  sendFrameMeta: true,
  sendDummyByte: true,
  sendCodecMeta: true,
  listEncoders: false,
  listDisplays: false,
  listCameras: false,
  listApps: false,
};

/** Keys Options.parse accepts whose value the fake does not use (camera, clipboard, power, new display…). */
const IGNORED_KEYS = new Set([
  'video_source',
  'audio_source',
  'audio_dup',
  'audio_bit_rate',
  'angle',
  'crop',
  'display_id',
  'show_touches',
  'stay_awake',
  'screen_off_timeout',
  'video_codec_options',
  'audio_codec_options',
  'video_encoder',
  'audio_encoder',
  'power_off_on_close',
  'clipboard_autosync',
  'downsize_on_error',
  'cleanup',
  'power_on',
  'camera_id',
  'camera_size',
  'camera_facing',
  'camera_ar',
  'camera_fps',
  'camera_high_speed',
  'new_display',
  'vd_destroy_content',
  'vd_system_decorations',
  'capture_orientation',
  'display_ime_policy',
  'list_camera_sizes',
]);

const NUMBER_FORMAT = 'java.lang.NumberFormatException';
const ILLEGAL_ARGUMENT = 'java.lang.IllegalArgumentException';

class ParseError extends Error {
  constructor(readonly exception: JavaException) {
    super(exception.message);
  }
}

/** Integer.parseInt: an optional sign and digits of `radix`, within int32, else NumberFormatException. */
function javaParseInt(value: string, radix: 10 | 16, line: number): number {
  const digits = radix === 16 ? /^[+-]?[0-9a-fA-F]+$/ : /^[+-]?[0-9]+$/;
  const n = digits.test(value) ? parseInt(value, radix) : NaN;
  if (!Number.isInteger(n) || n > 0x7fffffff || n < -0x80000000) {
    throw new ParseError({ className: NUMBER_FORMAT, message: `For input string: "${value}"${radix === 10 ? '' : ` under radix ${radix}`}`, line });
  }
  return n;
}

/** Options.parseFloat (Float.parseFloat, whose failure is rethrown as IllegalArgumentException). */
function javaParseFloat(key: string, value: string): number {
  const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?$/.test(value.trim()) ? parseFloat(value) : NaN;
  if (Number.isNaN(n)) throw new ParseError({ className: ILLEGAL_ARGUMENT, message: `Invalid float value for ${key}: "${value}"`, line: 0 });
  return n;
}

/** Boolean.parseBoolean: "true" in any case, everything else false. */
const javaBoolean = (value: string): boolean => value.toLowerCase() === 'true';

function oneOf<T extends string>(value: string, names: readonly T[], what: string, line: number): T {
  if ((names as readonly string[]).includes(value)) return value as T;
  throw new ParseError({ className: ILLEGAL_ARGUMENT, message: `${what} ${value} not supported`, line });
}

/**
 * Options.parse of scrcpy-server `serverVersion`: the first argument must be that exact version, the rest are
 * key=value pairs. Returns the options, or the exception the real server dies with.
 */
export function parseScrcpyArgs(serverVersion: string, args: string[]): ParsedScrcpyArgs | { exception: JavaException } {
  try {
    return parse(serverVersion, args);
  } catch (error) {
    if (error instanceof ParseError) return { exception: error.exception };
    throw error;
  }
}

function parse(serverVersion: string, args: string[]): ParsedScrcpyArgs {
  const clientVersion = args[0];
  if (clientVersion === undefined) throw new ParseError({ className: ILLEGAL_ARGUMENT, message: 'Missing client version', line: 294 });
  if (clientVersion !== serverVersion) {
    throw new ParseError({
      className: ILLEGAL_ARGUMENT,
      message: `The server version (${serverVersion}) does not match the client (${clientVersion})`,
      line: 299,
    });
  }
  const o: ScrcpyOptions = { ...DEFAULTS };
  const warnings: string[] = [];
  for (const arg of args.slice(1)) {
    const eq = arg.indexOf('=');
    if (eq < 0) throw new ParseError({ className: ILLEGAL_ARGUMENT, message: `Invalid key=value pair: "${arg}"`, line: 309 });
    const key = arg.slice(0, eq);
    const value = arg.slice(eq + 1);
    switch (key) {
      case 'scid': {
        const scid = javaParseInt(value, 16, 315);
        if (scid < -1) throw new ParseError({ className: ILLEGAL_ARGUMENT, message: `scid may not be negative (except -1 for 'none'): ${scid}`, line: 317 });
        o.scid = scid;
        break;
      }
      case 'log_level': {
        const level = value.toUpperCase();
        if (!(LOG_LEVELS as readonly string[]).includes(level)) {
          throw new ParseError({ className: ILLEGAL_ARGUMENT, message: `No enum constant com.genymobile.scrcpy.util.Ln.Level.${level}`, line: 322 });
        }
        o.logLevel = level as ScrcpyLogLevel;
        break;
      }
      case 'video':
        o.video = javaBoolean(value);
        break;
      case 'audio':
        o.audio = javaBoolean(value);
        break;
      case 'control':
        o.control = javaBoolean(value);
        break;
      case 'video_codec':
        o.videoCodec = oneOf(value, ['h264', 'h265', 'av1'] as const, 'Video codec', 333);
        break;
      case 'audio_codec':
        o.audioCodec = oneOf(value, ['opus', 'aac', 'flac', 'raw'] as const, 'Audio codec', 340);
        break;
      case 'max_size':
        o.maxSize = javaParseInt(value, 10, 362) & ~7; // multiple of 8, as the real one
        break;
      case 'video_bit_rate':
        o.videoBitRate = javaParseInt(value, 10, 365);
        break;
      case 'max_fps':
        o.maxFps = javaParseFloat(key, value);
        break;
      case 'tunnel_forward':
        o.tunnelForward = javaBoolean(value);
        break;
      case 'send_device_meta':
        o.sendDeviceMeta = javaBoolean(value);
        break;
      case 'send_frame_meta':
        o.sendFrameMeta = javaBoolean(value);
        break;
      case 'send_dummy_byte':
        o.sendDummyByte = javaBoolean(value);
        break;
      case 'send_codec_meta':
        o.sendCodecMeta = javaBoolean(value);
        break;
      case 'raw_stream':
        if (javaBoolean(value)) o.sendDeviceMeta = o.sendFrameMeta = o.sendDummyByte = o.sendCodecMeta = false;
        break;
      case 'list_encoders':
        o.listEncoders = javaBoolean(value);
        break;
      case 'list_displays':
        o.listDisplays = javaBoolean(value);
        break;
      case 'list_cameras':
        o.listCameras = javaBoolean(value);
        break;
      case 'list_apps':
        o.listApps = javaBoolean(value);
        break;
      default:
        if (!IGNORED_KEYS.has(key)) warnings.push(`Unknown server option: ${key}`);
    }
  }
  return { options: o, warnings };
}

/** The abstract socket name (DesktopConnection.getSocketName). */
export function scrcpySocketName(scid: number): string {
  return scid === -1 ? 'scrcpy' : `scrcpy_${scid.toString(16).padStart(8, '0')}`;
}

/**
 * The encoded size for a display of `display` (ScreenCapture.prepare: `limit(maxSize).round8()`): the larger side
 * capped at maxSize keeping the aspect ratio, then the larger side rounded down and the smaller to the nearest
 * multiple of 8.
 */
export function scrcpyVideoSize(display: { width: number; height: number }, maxSize: number): { width: number; height: number } {
  const portrait = display.height > display.width;
  let major = portrait ? display.height : display.width;
  let minor = portrait ? display.width : display.height;
  if (maxSize > 0 && major > maxSize) {
    minor = Math.floor((maxSize * minor) / major);
    major = maxSize;
  }
  if (major % 8 !== 0 || minor % 8 !== 0) {
    major &= ~7;
    minor = (minor + 4) & ~7;
    if (minor > major) minor = major;
  }
  return portrait ? { width: minor, height: major } : { width: major, height: minor };
}

/** What Server.main prints for an exception that ends it (Ln.e(message, t): the message, then printStackTrace). */
export function formatJavaException(e: JavaException): string {
  const frames = [
    ...(e.line ? [`com.genymobile.scrcpy.Options.parse(Options.java:${e.line})`] : []),
    'com.genymobile.scrcpy.Server.internalMain(Server.java:234)',
    'com.genymobile.scrcpy.Server.main(Server.java:215)',
    'com.android.internal.os.RuntimeInit.nativeFinishInit(Native Method)',
    'com.android.internal.os.RuntimeInit.main(RuntimeInit.java:359)',
  ];
  return `[server] ERROR: ${e.message}\n${e.className}: ${e.message}\n${frames.map((f) => `\tat ${f}\n`).join('')}`;
}
