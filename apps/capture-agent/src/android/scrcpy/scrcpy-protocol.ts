/**
 * What the agent says to scrcpy-server and how it reads the answer — the
 * pinned version's wire protocol (scrcpy 3.3.1, tunnel_forward mode): the
 * server command line, the socket name, the control messages the agent
 * sends. Pure: strings and buffers in and out.
 */

/** The scrcpy-server version this agent speaks; the server refuses any other client version at start. */
export const SCRCPY_SERVER_VERSION = '3.3.1';

/** Where the jar is pushed on the device (scrcpy's own client uses the same place). */
export const SCRCPY_DEVICE_JAR_PATH = '/data/local/tmp/scrcpy-server.jar';

/** Codec ids of the codec meta (4 ASCII bytes as a big-endian u32). */
export const SCRCPY_CODEC_H264 = 0x68323634; // "h264"
export const SCRCPY_CODEC_RAW_AUDIO = 0x00726177; // "\0raw": PCM s16le, 48 kHz, stereo

/**
 * FFmpeg's reading of scrcpy's raw audio (its fixed format). The format says everything, so no probing: by default
 * FFmpeg reads ~1.1 s of a live PCM pipe before it starts, holding the run's video back meanwhile (measured, FFmpeg 5.1).
 */
export const SCRCPY_RAW_AUDIO_FORMAT = ['-f', 's16le', '-ar', '48000', '-ac', '2', '-probesize', '32'] as const;

/** Control message type that restarts capture and encoding: a new config packet and a keyframe at once. */
export const SCRCPY_CONTROL_RESET_VIDEO = 17;

/** The server's message when the client's version is not its own (it then exits). */
export const SCRCPY_VERSION_MISMATCH = /The server version \(([^)]{1,40})\) does not match the client \(([^)]{1,40})\)/;

export interface ScrcpyServerOptions {
  /** Session id: 31 random bits, names the socket (`scrcpy_<8 hex>`) so two runs on one device never collide. */
  scid: number;
  /** Largest video dimension; the device keeps its aspect (0 = the screen's own size). */
  maxSize: number;
  maxFps: number;
  bitrateKbps: number;
  /** Ask for the device's audio (Android 11+) as raw PCM on a socket of its own. */
  audio: boolean;
}

/** `scrcpy_<scid as 8 hex digits>`, the abstract socket the server listens on. */
export function scrcpySocketName(scid: number): string {
  return `scrcpy_${scidHex(scid)}`;
}

/**
 * The server's command line, run through the device shell (`exec:`): H.264
 * video, raw PCM audio when asked for, a control socket for keyframe requests, and
 * the server listening for our connections (tunnel_forward) — the agent
 * reaches it through adb's `localabstract:` service, no port is opened.
 * Every value is a validated number, so nothing from a caller reaches the
 * device shell as text.
 */
export function scrcpyServerCommand(options: ScrcpyServerOptions): string {
  const params = [
    `scid=${scidHex(options.scid)}`,
    'log_level=info',
    'video_codec=h264',
    `video_bit_rate=${Math.round(intIn(options.bitrateKbps, 'bitrateKbps', 100, 100_000) * 1000)}`,
    `max_size=${intIn(options.maxSize, 'maxSize', 0, 8192)}`,
    `max_fps=${intIn(options.maxFps, 'maxFps', 1, 120)}`,
    `audio=${options.audio}`,
    // Raw PCM: no decoder between the device and FFmpeg, and 1.5 Mb/s is nothing for adb.
    ...(options.audio ? ['audio_codec=raw'] : []),
    'control=true',
    'tunnel_forward=true',
    'send_device_meta=true',
    'send_dummy_byte=true',
    'send_codec_meta=true',
    'send_frame_meta=true',
    // The agent owns the device's lifetime: scrcpy must not power it off, change settings or clean up the jar
    // under another run that shares it.
    'cleanup=false',
    'power_on=false',
  ];
  return `CLASSPATH=${SCRCPY_DEVICE_JAR_PATH} app_process / com.genymobile.scrcpy.Server ${SCRCPY_SERVER_VERSION} ${params.join(' ')}`;
}

/** RESET_VIDEO: one type byte, no payload. */
export function scrcpyResetVideoMessage(): Buffer {
  return Buffer.from([SCRCPY_CONTROL_RESET_VIDEO]);
}

/** The server's output says it is another version: `{ server, client }`, else undefined. */
export function scrcpyVersionMismatch(output: string): { server: string; client: string } | undefined {
  const m = SCRCPY_VERSION_MISMATCH.exec(output);
  return m ? { server: m[1] as string, client: m[2] as string } : undefined;
}

function scidHex(scid: number): string {
  return intIn(scid, 'scid', 0, 0x7fffffff).toString(16).padStart(8, '0');
}

function intIn(value: number, what: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`scrcpy ${what} must be an integer in ${min}..${max}, got ${value}`);
  return value;
}
