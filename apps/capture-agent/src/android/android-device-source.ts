import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import type { Logger } from '@mediaplane/observability';
import { restartDelayMs, type BackoffOptions } from '@mediaplane/media-io';
import type { CaptureFeed, CaptureQuality, DeviceInfo, DeviceInput, DeviceSource } from '../devices/device-source';
import {
  SCREENCAP_COMMAND,
  androidDeviceId,
  cleanModel,
  keyCommand,
  longPressCommand,
  parseWmSize,
  screenrecordCommand,
  screenrecordMissing,
  swipeCommand,
  tapCommand,
  textCommand,
} from './adb-commands';
import { AdbGateway, type AdbGatewayOptions, type Tracker } from './adb-gateway';
import { ScreencapFeed } from './screencap-feed';
import { ScrcpyRun, ScrcpyVersionMismatchError } from './scrcpy/scrcpy-run';
import { SCRCPY_DEVICE_JAR_PATH, SCRCPY_RAW_AUDIO_FORMAT, SCRCPY_SERVER_VERSION } from './scrcpy/scrcpy-protocol';
import { SeamlessH264Feed } from './seamless-h264-feed';

/** The operator's scrcpy-server jar cannot be used: unreadable, too large, or not the pinned build. */
export class ScrcpyJarError extends Error {
  override readonly name = 'ScrcpyJarError';
}

export interface AndroidDeviceSourceOptions {
  adb: AdbGatewayOptions;
  reconnect: BackoffOptions;
  screenrecordTimeLimitS: number;
  screenrecordOverlapMs: number;
  screencapIntervalMs: number;
  /** scrcpy-server jar to capture with (the pinned version); absent: screenrecord. */
  scrcpyJar?: string;
  /** SHA-256 (hex) the jar must have; absent: not checked here (the server still checks the version). */
  scrcpyJarSha256?: string;
  /** Time a scrcpy-server run has to start listening. */
  scrcpyStartTimeoutMs?: number;
  logger: Logger;
}

/** Android 5.0: the oldest version scrcpy-server runs on. */
const SCRCPY_MIN_SDK = 21;
/** Android 11: the first version whose audio scrcpy-server can capture. */
const SCRCPY_AUDIO_MIN_SDK = 30;
/** A scrcpy-server jar is ~90 KB; anything this large is not one. */
const MAX_SCRCPY_JAR_BYTES = 16 * 1024 * 1024;

interface AndroidDevice {
  serial: string;
  info: DeviceInfo;
  screenrecord: boolean;
  /** ro.build.version.sdk (0 when unreadable). */
  sdk: number;
  /** The jar's push to this device (once per attach; cleared when it failed so the next capture tries again). */
  scrcpyPushed?: Promise<void>;
  feeds: Set<SeamlessH264Feed | ScreencapFeed>;
  input: DeviceInput;
}

/** Largest PNG accepted from one screencap (a 4K RGBA screen compresses far below this). */
const MAX_SCREENCAP_BYTES = 32 * 1024 * 1024;
const PROBE_ATTEMPTS = 5;

/**
 * Android devices behind an adb server. host:track-devices drives discovery
 * and hot-plug; a lost adb server (killed, restarted) removes every device
 * and is reconnected with capped backoff. Each device is probed for its
 * model, screen size and whether screenrecord exists, and captured with
 * screenrecord (seamless restarts) or, without it, screencap polling. Every
 * device has its own adb streams: one failing never touches another.
 */
export class AndroidDeviceSource extends EventEmitter implements DeviceSource {
  readonly kind = 'android' as const;
  private readonly gateway: AdbGateway;
  private readonly devices = new Map<string, AndroidDevice>();
  /** Serials seen online by the tracker (probed or being probed). */
  private readonly online = new Set<string>();
  private tracker?: Tracker;
  /** The scrcpy-server jar's bytes, read (and checked) at start. */
  private scrcpyJar?: Buffer;
  private stopped = true;
  private wake?: () => void;
  private loop?: Promise<void>;
  /** Times the adb server connection was (re)established (metrics, tests). */
  connections = 0;

  constructor(private readonly options: AndroidDeviceSourceOptions) {
    super();
    this.gateway = new AdbGateway(options.adb);
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    if (this.options.scrcpyJar && !this.scrcpyJar) this.scrcpyJar = await loadScrcpyJar(this.options.scrcpyJar, this.options.scrcpyJarSha256);
    this.stopped = false;
    let firstAttempt!: () => void;
    const attempted = new Promise<void>((resolve) => (firstAttempt = resolve));
    this.loop = this.trackLoop(firstAttempt);
    await attempted;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.tracker?.end();
    this.wake?.();
    await this.loop;
    for (const serial of [...this.devices.keys()]) this.remove(serial, 'agent stopping');
    this.online.clear();
  }

  list(): DeviceInfo[] {
    return [...this.devices.values()].map((d) => d.info);
  }

  async openCapture(deviceId: string, quality: CaptureQuality): Promise<CaptureFeed> {
    const device = this.byId(deviceId);
    if (!device) throw new Error(`no Android device ${deviceId}`);
    const log = this.options.logger.child({ deviceId });
    const onLog = (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>): void => log[level](fields ?? {}, message);
    const present = (): boolean => this.devices.get(device.serial) === device;
    let method = this.captureMethod(device);
    let feed = this.createFeed(device, method, quality, present, onLog);
    try {
      if (method === 'scrcpy') await this.pushScrcpyJar(device);
      await feed.start();
    } catch (error) {
      // A jar of another version is the operator's mistake: say so rather than hide it behind screenrecord.
      if (method !== 'scrcpy' || error instanceof ScrcpyVersionMismatchError || !present()) throw error;
      await feed.stop();
      method = device.screenrecord ? 'screenrecord' : 'screencap';
      log.warn({ err: error, fallback: method }, 'scrcpy capture could not start; capturing without it');
      feed = this.createFeed(device, method, quality, present, onLog);
      await feed.start();
    }
    if (!present()) {
      await feed.stop();
      throw new Error(`Android device ${deviceId} went away while its capture started`);
    }
    device.feeds.add(feed);
    const started = feed;
    feed.once('ended', () => device.feeds.delete(started));
    const stop = feed.stop.bind(feed);
    feed.stop = async () => {
      device.feeds.delete(started);
      await stop();
    };
    log.info({ method, quality }, 'android capture started');
    return feed;
  }

  /** scrcpy when its jar is configured and the device runs it, else screenrecord, else screencap. */
  private captureMethod(device: AndroidDevice): 'scrcpy' | 'screenrecord' | 'screencap' {
    if (this.scrcpyJar && device.sdk >= SCRCPY_MIN_SDK) return 'scrcpy';
    return device.screenrecord ? 'screenrecord' : 'screencap';
  }

  private createFeed(
    device: AndroidDevice,
    method: 'scrcpy' | 'screenrecord' | 'screencap',
    quality: CaptureQuality,
    devicePresent: () => boolean,
    onLog: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void,
  ): SeamlessH264Feed | ScreencapFeed {
    const runs = { quality, devicePresent, backoff: { initialMs: 250, maxMs: 4000 }, maxFailures: 5, onLog };
    if (method === 'scrcpy') {
      const link = { execOut: (command: string) => this.gateway.execOut(device.serial, command), openLocal: (name: string) => this.gateway.openLocal(device.serial, name) };
      return new SeamlessH264Feed({
        ...runs,
        runName: 'scrcpy',
        // max_size bounds the larger side; the device keeps its own aspect inside it.
        open: (q) =>
          ScrcpyRun.open(link, {
            maxSize: Math.max(q.width, q.height),
            maxFps: q.fps,
            bitrateKbps: q.bitrateKbps,
            audio: device.info.capabilities.audio,
            startTimeoutMs: this.options.scrcpyStartTimeoutMs ?? 10_000,
            connectRetryMs: 100,
          }),
        keyframeInRun: (run) => (run as ScrcpyRun).requestKeyframe(),
        audio: { inputArgs: [...SCRCPY_RAW_AUDIO_FORMAT, '-i', 'pipe:3'], of: (run) => (run as ScrcpyRun).audio },
        watchRunSize: (run, onSize) => {
          (run as ScrcpyRun).on('size', onSize);
          return (run as ScrcpyRun).videoSize;
        },
        overlapMs: 0,
      });
    }
    if (method === 'screenrecord') {
      return new SeamlessH264Feed({
        ...runs,
        runName: 'screenrecord',
        open: (q) => this.gateway.execOut(device.serial, screenrecordCommand({ ...q, timeLimitS: this.options.screenrecordTimeLimitS })),
        timeLimitS: this.options.screenrecordTimeLimitS,
        overlapMs: Math.min(this.options.screenrecordOverlapMs, this.options.screenrecordTimeLimitS * 500),
      });
    }
    return new ScreencapFeed({
      capture: () => this.gateway.execOutBuffer(device.serial, SCREENCAP_COMMAND, MAX_SCREENCAP_BYTES),
      devicePresent,
      intervalMs: this.options.screencapIntervalMs,
      maxFailures: 5,
      onLog,
    });
  }

  /** Pushes the jar once per attach of the device; a failed push is tried again by the next capture. */
  private pushScrcpyJar(device: AndroidDevice): Promise<void> {
    const jar = this.scrcpyJar as Buffer;
    device.scrcpyPushed ??= this.gateway.push(device.serial, jar, SCRCPY_DEVICE_JAR_PATH).catch((error: unknown) => {
      device.scrcpyPushed = undefined;
      throw error;
    });
    return device.scrcpyPushed;
  }

  input(deviceId: string): DeviceInput | undefined {
    return this.byId(deviceId)?.input;
  }

  private byId(deviceId: string): AndroidDevice | undefined {
    return [...this.devices.values()].find((d) => d.info.id === deviceId);
  }

  private async trackLoop(firstAttempt: () => void): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      try {
        const tracker = await this.gateway.trackDevices();
        this.tracker = tracker;
        const ended = new Promise<void>((resolve) => {
          tracker.once('end', () => resolve());
          tracker.on('error', (error: Error) => this.options.logger.warn({ err: error }, 'adb track-devices failed'));
        });
        tracker.on('add', (d: { id: string; type: string }) => this.onState(d.id, d.type));
        tracker.on('change', (d: { id: string; type: string }) => this.onState(d.id, d.type));
        tracker.on('remove', (d: { id: string }) => this.onState(d.id, 'gone'));
        if (this.stopped) tracker.end();
        // adbkit's tracker can miss the first list when it shares a TCP segment with the OKAY; ask once as well.
        for (const d of await this.gateway.listDevices()) this.onState(d.id, d.type);
        this.connections++;
        attempt = 0;
        this.options.logger.info({ host: this.options.adb.host, port: this.options.adb.port }, 'tracking Android devices through the adb server');
        firstAttempt();
        await ended;
        this.tracker = undefined;
      } catch (error) {
        if (attempt === 0) this.options.logger.warn({ err: error, host: this.options.adb.host, port: this.options.adb.port }, 'adb server not reachable; retrying');
        firstAttempt();
      }
      if (this.stopped) break;
      // Without the server no device can be reached: its streams are cut anyway.
      this.online.clear();
      for (const serial of [...this.devices.keys()]) this.remove(serial, 'adb server lost');
      const delay = restartDelayMs(attempt++, this.options.reconnect);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private onState(serial: string, state: string): void {
    if (this.stopped) return;
    if (state === 'device' || state === 'emulator') {
      if (this.online.has(serial)) return;
      this.online.add(serial);
      void this.probe(serial);
    } else {
      // offline, unauthorized, gone: not usable.
      this.online.delete(serial);
      this.remove(serial, state === 'gone' ? 'device unplugged' : `device ${state}`);
    }
  }

  /** Reads model, screen size and screenrecord's presence; retries while a freshly plugged device settles. */
  private async probe(serial: string): Promise<void> {
    const log = this.options.logger.child({ serial });
    for (let attempt = 0; attempt < PROBE_ATTEMPTS; attempt++) {
      if (!this.online.has(serial) || this.stopped) return;
      try {
        const [model, size, help, sdk] = await Promise.all([
          this.gateway.shell(serial, 'getprop ro.product.model'),
          this.gateway.shell(serial, 'wm size'),
          this.gateway.shell(serial, 'screenrecord --help'),
          this.gateway.shell(serial, 'getprop ro.build.version.sdk'),
        ]);
        const screen = parseWmSize(size);
        if (!screen) throw new Error(`"wm size" gave no size: ${JSON.stringify(size.slice(0, 80))}`);
        if (!this.online.has(serial) || this.stopped || this.devices.has(serial)) return;
        const name = cleanModel(model) ?? serial;
        const sdkLevel = Number.parseInt(sdk.trim(), 10) || 0;
        // Only scrcpy-server captures audio, and only from Android 11 on.
        const audio = this.scrcpyJar !== undefined && sdkLevel >= SCRCPY_AUDIO_MIN_SDK;
        const info: DeviceInfo = { id: androidDeviceId(serial), kind: 'android', name, model: cleanModel(model), screen, capabilities: { input: true, audio } };
        const device: AndroidDevice = { serial, info, screenrecord: !screenrecordMissing(help), sdk: sdkLevel, feeds: new Set(), input: this.inputFor(serial) };
        this.devices.set(serial, device);
        log.info({ deviceId: info.id, model: info.model, screen, sdk: device.sdk, capture: this.captureMethod(device) }, 'Android device added');
        this.emit('added', info);
        return;
      } catch (error) {
        log.warn({ err: error, attempt }, 'Android device probe failed');
        await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
      }
    }
    log.error('Android device not usable: probing kept failing');
  }

  private remove(serial: string, reason: string): void {
    const device = this.devices.get(serial);
    if (!device) return;
    this.devices.delete(serial);
    for (const feed of device.feeds) feed.end(reason);
    device.feeds.clear();
    this.options.logger.info({ deviceId: device.info.id, reason }, 'Android device removed');
    this.emit('removed', device.info.id);
  }

  private inputFor(serial: string): DeviceInput {
    // Commands are built (and validated) before anything is sent; each runs on its own adb stream.
    const send = async (command: string): Promise<void> => {
      const out = await this.gateway.shell(serial, command);
      if (/Exception|Error:|usage:/i.test(out)) throw new Error(`input failed on the device: ${out.trim().slice(0, 200)}`);
    };
    return {
      tap: async (x, y) => send(tapCommand(x, y)),
      swipe: async (x1, y1, x2, y2, durationMs) => send(swipeCommand(x1, y1, x2, y2, durationMs)),
      longPress: async (x, y, durationMs) => send(longPressCommand(x, y, durationMs)),
      text: async (value) => send(textCommand(value)),
      key: async (code) => send(keyCommand(code)),
    };
  }
}

/** Reads the operator's scrcpy-server jar once, bounded, and checks its SHA-256 against the pin when one is set. */
async function loadScrcpyJar(path: string, sha256?: string): Promise<Buffer> {
  let jar: Buffer;
  try {
    const info = await stat(path);
    if (!info.isFile() || info.size > MAX_SCRCPY_JAR_BYTES) throw new Error(`not a file of at most ${MAX_SCRCPY_JAR_BYTES} bytes`);
    jar = await readFile(path);
  } catch (error) {
    throw new ScrcpyJarError(`CAPTURE_AGENT_SCRCPY_JAR ${path} cannot be used: ${(error as Error).message}`);
  }
  const digest = createHash('sha256').update(jar).digest('hex');
  if (sha256 && digest !== sha256.toLowerCase()) {
    throw new ScrcpyJarError(
      `CAPTURE_AGENT_SCRCPY_JAR ${path} has SHA-256 ${digest}, not the pinned ${sha256.toLowerCase()} (scrcpy-server ${SCRCPY_SERVER_VERSION} is the version this agent speaks)`,
    );
  }
  return jar;
}
