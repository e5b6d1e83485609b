/**
 * A fake device's `app_process` running scrcpy-server 3.3.1, as scrcpy's client starts it:
 * `CLASSPATH=/data/local/tmp/scrcpy-server.jar app_process / com.genymobile.scrcpy.Server 3.3.1 key=value …`.
 * It speaks the real server's wire protocol (tunnel_forward mode, DesktopConnection / Streamer / Controller at tag
 * v3.3.1): it listens on the abstract socket `scrcpy_<scid>` after a JVM-like start-up delay, accepts the video,
 * audio and control sockets in that order, sends the dummy byte and the device name, then the streams. The pure
 * rules (options, sizes, jar) are in fake-scrcpy-options.ts, the media in fake-scrcpy-video.ts / -audio.ts.
 */
import type net from 'node:net';
import type { FakeDevice, FakeDeviceProcesses, ShellSink } from './fake-adb-shell';
import { FakeRawAudioSource } from './fake-scrcpy-audio';
import { CONTROL_MSG_RESET_VIDEO, ScrcpyControlReader } from './fake-scrcpy-control';
import {
  LOG_LEVELS,
  SCRCPY_SERVER_CLASS,
  fakeJarVersion,
  formatJavaException,
  parseAppProcessArgs,
  parseScrcpyArgs,
  scrcpySocketName,
  scrcpyVideoSize,
  type ScrcpyLogLevel,
  type ScrcpyOptions,
} from './fake-scrcpy-options';
import { FakeVideoEncoder, type ScrcpyVideoPacket } from './fake-scrcpy-video';

export { fakeScrcpyServerJar } from './fake-scrcpy-options';

export interface FakeScrcpyServerRecord {
  /** The scid option as given ('' when absent: socket "scrcpy"). */
  scid: string;
  clientVersion: string;
  /** Every key=value argument as given, known or not. */
  options: Record<string, string>;
  startedAt: number;
  endedAt?: number;
  /**
   * 'closed': the client closed the command stream, the video or the control socket (or the fake adb server
   * closed); 'unplugged'; 'version-mismatch'; 'error': any other failure (jar missing, bad option, unknown control
   * message…); 'exited': a list_* run that printed its list and ended by itself.
   */
  endReason?: 'closed' | 'version-mismatch' | 'error' | 'unplugged' | 'exited';
  /** The encoded size of each encoder session (the first, then one per restart). */
  videoSizes: Array<{ width: number; height: number }>;
  /** The type byte of every control message received, in order. */
  controlMessageTypes: number[];
  /** RESET_VIDEO messages acted on. */
  videoResets: number;
}

export interface AppProcessContext {
  device: FakeDevice;
  /** Assignments before the command (CLASSPATH). */
  env: Record<string, string>;
  /** app_process's own arguments. */
  args: string[];
  sink: ShellSink;
  processes: FakeDeviceProcesses;
  ffmpegPath: string;
  /** The display's current size, turned with the device. */
  displaySize: () => { width: number; height: number };
  /** ro.build.version.release, for the start-up log line. */
  androidRelease: string;
}

/** Roughly what app_process takes to start the VM and reach the accept() (clients must retry until it listens). */
const START_UP_DELAY_MS = 150;
const DEVICE_NAME_FIELD_LENGTH = 64;
const CODEC_ID_H264 = 0x68323634;
const CODEC_ID_RAW = 0x00726177;
const PACKET_FLAG_CONFIG = 1n << 63n;
const PACKET_FLAG_KEY_FRAME = 1n << 62n;

/** Runs `app_process …` on the device; resolves when the process has ended. */
export async function runAppProcess(ctx: AppProcessContext): Promise<void> {
  const { device, sink } = ctx;
  const command = parseAppProcessArgs(ctx.args);
  const classpath = (ctx.env['CLASSPATH'] ?? '').split(':')[0] ?? '';
  const jar = device.files.get(classpath);
  const version = jar ? fakeJarVersion(jar.data) : undefined;
  const isScrcpy = command?.className === SCRCPY_SERVER_CLASS;
  const record = isScrcpy ? newRecord(device, command.mainArgs) : undefined;
  const errOut = (text: string): void => (sink.splitsStderr ? sink.stderr : sink.stdout)(Buffer.from(text));

  if (!command || !isScrcpy || version === undefined) {
    // app_process logs "could not find class" to logcat only and the runtime aborts; the shell then prints "Aborted".
    // The fake also writes the class loader's error, so a test reading the stream can tell what happened.
    const name = command?.className ?? '';
    errOut(
      `java.lang.ClassNotFoundException: Didn't find class "${name}" on path: DexPathList[[zip file "${classpath}"],nativeLibraryDirectories=[/system/lib64, /system_ext/lib64]]\nAborted \n`,
    );
    if (record) finish(record, 'error');
    sink.exit(134); // 128 + SIGABRT
    return;
  }
  const server = record as FakeScrcpyServerRecord;
  const parsed = parseScrcpyArgs(version, command.mainArgs);
  if ('exception' in parsed) {
    errOut(formatJavaException(parsed.exception));
    finish(server, parsed.exception.message.startsWith('The server version') ? 'version-mismatch' : 'error');
    sink.exit(1);
    return;
  }
  const { options } = parsed;
  // Unknown keys are only warned about, before the log level is set (so always printed), as the real one does.
  for (const warning of parsed.warnings) errOut(`[server] WARN: ${warning}\n`);
  const log = (level: ScrcpyLogLevel, message: string): void => {
    if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(options.logLevel)) return;
    const line = `[server] ${level}: ${message}\n`;
    if (level === 'WARN' || level === 'ERROR') errOut(line);
    else sink.stdout(Buffer.from(line));
  };
  const o = device.options;
  log('INFO', `Device: [${o.manufacturer}] ${o.manufacturer.toLowerCase()} ${o.model} (Android ${ctx.androidRelease})`);

  if (options.listEncoders || options.listDisplays || options.listCameras || options.listApps) {
    printLists(options, ctx, log);
    finish(server, 'exited');
    sink.exit(0);
    return;
  }
  const fatal = (message: string): void => {
    log('ERROR', message);
    finish(server, 'error');
    sink.exit(1);
  };
  if (!options.tunnelForward) {
    // Without tunnel_forward the server connects to the client through `adb reverse`, which this fake adb lacks,
    // so it fails as a real device does when no reverse tunnel is set up.
    fatal('Connection refused (the fake adb server has no adb reverse: use tunnel_forward=true)');
    return;
  }
  if (options.video && options.videoCodec !== 'h264') {
    fatal(`fake scrcpy-server: video_codec=${options.videoCodec} is not implemented (h264 only)`);
    return;
  }
  await new ScrcpyServerSession(ctx, options, server, log).run();
}

function newRecord(device: FakeDevice, mainArgs: string[]): FakeScrcpyServerRecord {
  const options: Record<string, string> = {};
  for (const arg of mainArgs.slice(1)) {
    const eq = arg.indexOf('=');
    if (eq > 0) options[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  const record: FakeScrcpyServerRecord = {
    scid: options['scid'] ?? '',
    clientVersion: mainArgs[0] ?? '',
    options,
    startedAt: Date.now(),
    videoSizes: [],
    controlMessageTypes: [],
    videoResets: 0,
  };
  device.scrcpyServers.push(record);
  return record;
}

function finish(record: FakeScrcpyServerRecord, reason: NonNullable<FakeScrcpyServerRecord['endReason']>): void {
  record.endedAt = Date.now();
  record.endReason = reason;
}

function printLists(options: ScrcpyOptions, ctx: AppProcessContext, log: (level: ScrcpyLogLevel, message: string) => void): void {
  // LogUtils.buildEncoderListMessage: on Android 10+, the hardware/software note is padded to column 70.
  const encoder = (type: string, codec: string, name: string): string => {
    const line = `\n    --${type}-codec=${codec} --${type}-encoder=${name}`;
    return line + (ctx.device.options.sdk >= 29 ? `${' '.repeat(Math.max(0, 70 - line.length))} (sw)` : '');
  };
  if (options.listEncoders) {
    log('INFO', `List of video encoders:${encoder('video', 'h264', 'c2.android.avc.encoder')}`);
    log('INFO', `List of audio encoders:${encoder('audio', 'opus', 'c2.android.opus.encoder')}${encoder('audio', 'aac', 'c2.android.aac.encoder')}`);
  }
  if (options.listDisplays) {
    const { width, height } = ctx.displaySize();
    log('INFO', `List of displays:\n    --display-id=0    (${width}x${height})`);
  }
  if (options.listCameras) log('INFO', 'List of cameras:\n    (none)');
  if (options.listApps) log('INFO', 'List of apps:');
}

type Role = 'video' | 'audio' | 'control';

/** One running server: its sockets, encoders and the way it ends. */
class ScrcpyServerSession {
  private readonly device: FakeDevice;
  private readonly socketName: string;
  private readonly roles: Role[];
  private readonly sockets = new Map<Role, net.Socket>();
  /** Producers paused until a socket drains (after an encoder restart, both the old and the new one may be here). */
  private readonly draining = new Map<net.Socket, Set<{ resume(): void }>>();
  private ended: Promise<void> | undefined;
  private resolveDone!: () => void;
  private readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));
  private untrack: () => void = () => undefined;
  private encoder: FakeVideoEncoder | undefined;
  private audioSource: FakeRawAudioSource | undefined;
  private codecMetaSent = false;
  private sessionDisplay = { width: 0, height: 0 };
  private readonly listener = (socket: net.Socket, leftover: Buffer): void => this.accept(socket, leftover);
  private readonly onDisplayChanged = (): void => this.displayChanged();

  constructor(
    private readonly ctx: AppProcessContext,
    private readonly options: ScrcpyOptions,
    private readonly record: FakeScrcpyServerRecord,
    private readonly log: (level: ScrcpyLogLevel, message: string) => void,
  ) {
    this.device = ctx.device;
    this.socketName = scrcpySocketName(options.scid);
    this.roles = (['video', 'audio', 'control'] as const).filter((r) => options[r]);
  }

  async run(): Promise<void> {
    this.untrack = this.ctx.processes.trackStopper(() => this.end('closed'));
    void this.ctx.sink.closed.then(() => this.end(this.hangUpReason()));
    await Promise.race([new Promise((resolve) => setTimeout(resolve, START_UP_DELAY_MS).unref()), this.done]);
    if (this.ended) return this.done;
    if (this.device.abstractSockets.has(this.socketName)) {
      // Another server of the same scid holds the name: LocalServerSocket's bind fails.
      this.log('ERROR', 'Address already in use');
      void this.end('error', 1);
      return this.done;
    }
    if (this.roles.length > 0) this.device.abstractSockets.set(this.socketName, this.listener);
    return this.done;
  }

  /** DesktopConnection.open: the n-th connection is the n-th enabled stream; the first gets the dummy byte. */
  private accept(socket: net.Socket, leftover: Buffer): void {
    const role = this.roles[this.sockets.size] as Role;
    if (this.sockets.size === 0 && this.options.sendDummyByte) socket.write(Buffer.from([0]));
    this.sockets.set(role, socket);
    // The client hanging up the video or control socket ends the server (broken pipe / EOF are fatal there);
    // the audio socket only ends the audio.
    socket.once('close', () => {
      if (role === 'audio') void this.audioSource?.stop();
      else void this.end(this.hangUpReason());
    });
    if (role === 'control') this.readControl(socket, leftover);
    if (this.sockets.size < this.roles.length) return;
    // All accepted: the server socket is closed (later connections are refused), then the device name, then the streams.
    if (this.device.abstractSockets.get(this.socketName) === this.listener) this.device.abstractSockets.delete(this.socketName);
    if (this.options.sendDeviceMeta) this.sockets.get(this.roles[0] as Role)?.write(deviceNameField(this.device.options.model));
    if (this.options.audio) this.startAudio();
    if (this.options.video) {
      this.sessionDisplay = this.ctx.displaySize();
      this.device.displayListeners.add(this.onDisplayChanged);
      this.startEncoder();
    }
  }

  private readControl(socket: net.Socket, leftover: Buffer): void {
    const reader = new ScrcpyControlReader();
    const onData = (chunk: Buffer): void => {
      if (this.ended) return;
      const { types, error } = reader.push(chunk);
      for (const type of types) {
        this.record.controlMessageTypes.push(type);
        if (type === CONTROL_MSG_RESET_VIDEO) this.resetVideo();
      }
      // ControlMessageReader throws on an unknown type; the Controller then stops, which ends the whole server.
      if (error) void this.end('error');
    };
    socket.on('data', onData);
    if (leftover.length) onData(leftover);
  }

  private resetVideo(): void {
    if (!this.options.video) return;
    this.record.videoResets++;
    this.log('INFO', 'Video capture reset');
    // Before the encoder runs, the request is fulfilled by its first start anyway (CaptureReset.consumeReset).
    if (this.encoder) this.restartEncoder();
  }

  /** A rotation restarts the encoder only when the display size changed (DisplaySizeMonitor), e.g. not 0° → 180°. */
  private displayChanged(): void {
    const size = this.ctx.displaySize();
    if (size.width === this.sessionDisplay.width && size.height === this.sessionDisplay.height) return;
    this.sessionDisplay = size;
    if (this.encoder) this.restartEncoder();
  }

  private restartEncoder(): void {
    void this.encoder?.stop();
    this.startEncoder();
  }

  private startEncoder(): void {
    const o = this.device.options;
    const size = scrcpyVideoSize(this.sessionDisplay, this.options.maxSize);
    const encoder = FakeVideoEncoder.start(
      {
        ...size,
        fps: this.options.maxFps > 0 ? Math.min(o.fps, this.options.maxFps) : o.fps,
        bitRate: this.options.videoBitRate,
        clockBarcode: o.clockBarcode,
        clip: o.screenrecordClip,
        ffmpegPath: this.ctx.ffmpegPath,
        clockUs: () => this.clockUs(),
      },
      this.ctx.processes,
      (packet) => this.onVideoPacket(encoder, packet, size),
    );
    this.encoder = encoder;
    void encoder.exited.then(() => {
      if (encoder.stopped || this.ended) return;
      // FFmpeg died on its own: the real SurfaceEncoder logs its error and the server stops.
      this.log('ERROR', `Video encoding error: ${encoder.lastStderr.trim()}`);
      void this.end('error');
    });
  }

  private onVideoPacket(encoder: FakeVideoEncoder, packet: ScrcpyVideoPacket, requested: { width: number; height: number }): void {
    const socket = this.sockets.get('video');
    if (encoder !== this.encoder || this.ended || !socket) return;
    if (packet.config) {
      const size = encoder.size ?? requested;
      // The codec meta goes out once, before the first packet; restarts only bring a new config packet.
      if (!this.codecMetaSent && this.options.sendCodecMeta) {
        const meta = Buffer.alloc(12);
        meta.writeUInt32BE(CODEC_ID_H264, 0);
        meta.writeUInt32BE(size.width, 4);
        meta.writeUInt32BE(size.height, 8);
        socket.write(meta);
      }
      this.codecMetaSent = true;
      this.record.videoSizes.push(size);
    }
    const flags = packet.config ? PACKET_FLAG_CONFIG : BigInt(Math.max(0, Math.round(packet.ptsUs))) | (packet.keyFrame ? PACKET_FLAG_KEY_FRAME : 0n);
    this.send(socket, this.framed(flags, packet.data), encoder);
  }

  private startAudio(): void {
    const socket = this.sockets.get('audio');
    if (!socket) return;
    if (this.device.options.sdk < 30) {
      this.log('WARN', 'Audio disabled: it is not supported before Android 11');
      socket.write(Buffer.alloc(4)); // Streamer.writeDisableStream(false): code 0, mirror video only
      return;
    }
    if (this.options.audioCodec !== 'raw') {
      this.log('WARN', `fake scrcpy-server: audio_codec=${this.options.audioCodec} is not implemented (raw only), audio disabled`);
      socket.write(Buffer.alloc(4));
      return;
    }
    if (this.options.sendCodecMeta) {
      const meta = Buffer.alloc(4);
      meta.writeUInt32BE(CODEC_ID_RAW, 0);
      socket.write(meta);
    }
    const source = FakeRawAudioSource.start(
      this.ctx.ffmpegPath,
      this.ctx.processes,
      () => this.clockUs(),
      (ptsUs, data) => {
        if (!this.ended && !source.stopped) this.send(socket, this.framed(BigInt(ptsUs), data), source);
      },
    );
    this.audioSource = source;
  }

  /** Streamer.writePacket: the 12-byte frame meta (u64 BE PTS and flags, u32 BE size) unless send_frame_meta=false. */
  private framed(ptsAndFlags: bigint, data: Buffer): Buffer {
    if (!this.options.sendFrameMeta) return data;
    const header = Buffer.alloc(12);
    header.writeBigUInt64BE(ptsAndFlags, 0);
    header.writeUInt32BE(data.length, 8);
    return Buffer.concat([header, data]);
  }

  /** A client that does not read stalls the producer instead of growing our buffers. */
  private send(socket: net.Socket, data: Buffer, source: { pause(): void; resume(): void }): void {
    if (socket.write(data)) return;
    source.pause();
    let paused = this.draining.get(socket);
    if (!paused) {
      const waiting = (paused = new Set());
      this.draining.set(socket, waiting);
      socket.once('drain', () => {
        this.draining.delete(socket);
        for (const s of waiting) s.resume();
      });
    }
    paused.add(source);
  }

  /** A stream cut by an unplug is not the client hanging up, whichever of the device's sockets closes first. */
  private hangUpReason(): 'closed' | 'unplugged' {
    return this.device.plugged ? 'closed' : 'unplugged';
  }

  private clockUs(): number {
    return Math.round((performance.now() - this.device.bootedAt) * 1000);
  }

  /** Stops everything once; the exit code goes to the command stream if the client still holds it. */
  private end(reason: NonNullable<FakeScrcpyServerRecord['endReason']>, exitCode = 0): Promise<void> {
    if (this.ended) return this.ended;
    finish(this.record, reason);
    this.ended = (async () => {
      if (this.device.abstractSockets.get(this.socketName) === this.listener) this.device.abstractSockets.delete(this.socketName);
      this.device.displayListeners.delete(this.onDisplayChanged);
      const stops = [this.encoder?.stop(), this.audioSource?.stop()];
      // DesktopConnection.shutdown: every socket sees EOF; destroy the ones a non-reading client keeps from flushing.
      for (const socket of this.sockets.values()) {
        socket.end();
        setTimeout(() => socket.destroy(), 2000).unref();
      }
      await Promise.all(stops);
      this.untrack();
      this.ctx.sink.exit(exitCode);
      this.resolveDone();
    })();
    return this.ended;
  }
}

/** DesktopConnection.sendDeviceMeta: the model in UTF-8, cut at a character boundary to 63 bytes, NUL-padded to 64. */
function deviceNameField(model: string): Buffer {
  const field = Buffer.alloc(DEVICE_NAME_FIELD_LENGTH);
  const bytes = Buffer.from(model, 'utf8');
  let length = Math.min(bytes.length, DEVICE_NAME_FIELD_LENGTH - 1);
  while (length < bytes.length && length > 0 && ((bytes[length] as number) & 0xc0) === 0x80) length--;
  bytes.copy(field, 0, 0, length);
  return field;
}
