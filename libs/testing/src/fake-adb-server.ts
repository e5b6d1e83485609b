/**
 * A fake adb server: the adb HOST protocol on a TCP port, with fake devices
 * behind it, so the capture agent (and the real `adb` client) can be tested
 * without a phone. Protocol as in adb's SERVICES.TXT / OVERVIEW.TXT:
 * a request is 4 hex digits of length + the service name; the reply is
 * "OKAY" (then a length-prefixed string for queries) or "FAIL" + a
 * length-prefixed message. host:transport switches the socket to a device,
 * after which the next request is a device service (shell:, shell,v2,…:, exec:,
 * sync: for adb push, localabstract: to reach a fake process such as scrcpy-server).
 */
import net from 'node:net';
import {
  DEFAULT_FAKE_DEVICE,
  FakeDeviceProcesses,
  productName,
  runFakeShellCommand,
  type FakeAdbDeviceOptions,
  type FakeDevice,
  type RecordedInputCommand,
  type ScreenrecordRun,
  type ShellSink,
} from './fake-adb-shell';
import { serveSync } from './fake-adb-sync';
import type { FakeScrcpyServerRecord } from './fake-scrcpy-server';

export type { FakeAdbDeviceOptions, RecordedInputCommand, ScreenrecordRun } from './fake-adb-shell';
export { encodeScreenrecordClip, splitShellWords } from './fake-adb-shell';
export type { FakeScrcpyServerRecord } from './fake-scrcpy-server';
export { fakeScrcpyServerJar } from './fake-scrcpy-server';

export interface FakeAdbServerOptions {
  /** 0 (default) picks a free port. Pass the old port to "restart" a killed server. */
  port?: number;
  host?: string;
  /** host:version answer; the real client kills a server whose version differs from its own (Debian's is 41). */
  version?: number;
  /** host:features answer; 'shell_v2' makes the real client use shell,v2 framing. */
  features?: string[];
  ffmpegPath?: string;
}

/** Longest request accepted (adb's own limit is MAX_PAYLOAD, requests are short service names). */
const MAX_REQUEST = 4096;

export class FakeAdbServer {
  /** Every request received, in order (host and device services), for assertions. */
  readonly requests: string[] = [];
  private readonly devices = new Map<string, FakeDevice>();
  private readonly trackers = new Set<{ socket: net.Socket; long: boolean }>();
  private readonly sockets = new Set<net.Socket>();
  private readonly deviceSockets = new Map<string, Set<net.Socket>>();
  private readonly processes = new FakeDeviceProcesses();
  private nextTransportId = 1;
  private closed = false;

  private constructor(
    private readonly server: net.Server,
    private readonly options: Required<FakeAdbServerOptions>,
  ) {}

  static async start(options: FakeAdbServerOptions = {}): Promise<FakeAdbServer> {
    const full: Required<FakeAdbServerOptions> = {
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
      version: options.version ?? 41,
      features: options.features ?? ['shell_v2', 'cmd'],
      ffmpegPath: options.ffmpegPath ?? 'ffmpeg',
    };
    const server = net.createServer();
    const fake = new FakeAdbServer(server, full);
    server.on('connection', (socket) => fake.onConnection(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(full.port, full.host, () => resolve());
    });
    return fake;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  plug(serial: string, options: FakeAdbDeviceOptions = {}): void {
    if (this.devices.has(serial)) throw new Error(`fake device ${serial} is already plugged`);
    this.devices.set(serial, {
      serial,
      options: { ...DEFAULT_FAKE_DEVICE, ...options },
      transportId: this.nextTransportId++,
      rotation: 0,
      inputs: [],
      screenrecords: [],
      plugged: true,
      bootedAt: performance.now(),
      files: new Map(),
      abstractSockets: new Map(),
      displayListeners: new Set(),
      scrcpyServers: [],
    });
    this.pushDeviceLists();
  }

  /** Removes the device: its open streams are cut (as a pulled USB cable does) and trackers are told. */
  unplug(serial: string): void {
    const device = this.devices.get(serial);
    if (!device) throw new Error(`fake device ${serial} is not plugged`);
    this.devices.delete(serial);
    device.plugged = false;
    for (const s of this.deviceSockets.get(serial) ?? []) s.destroy();
    this.deviceSockets.delete(serial);
    this.pushDeviceLists();
  }

  /** Turns the device: `screencap` then returns a landscape picture for 90/270, a running scrcpy-server restarts its encoder. */
  rotate(serial: string, rotation: 0 | 90 | 180 | 270): void {
    const device = this.device(serial);
    device.rotation = rotation;
    for (const listener of device.displayListeners) listener();
  }

  /** A file on the device (pushed with adb push / sync:), or undefined. */
  file(serial: string, path: string): Buffer | undefined {
    return this.device(serial).files.get(path)?.data;
  }

  /** Every scrcpy-server started on the device (`app_process … com.genymobile.scrcpy.Server`), oldest first. */
  scrcpyServers(serial: string): FakeScrcpyServerRecord[] {
    return [...this.device(serial).scrcpyServers];
  }

  /** The `input …` commands the device received, oldest first. */
  inputCommands(serial: string): RecordedInputCommand[] {
    return [...this.device(serial).inputs];
  }

  screenrecordRuns(serial: string): ScreenrecordRun[] {
    return [...this.device(serial).screenrecords];
  }

  /** Stops listening and cuts every connection, like a killed adb server. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sockets) s.destroy();
    await this.processes.stopAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private device(serial: string): FakeDevice {
    const d = this.devices.get(serial);
    if (!d) throw new Error(`fake device ${serial} is not plugged`);
    return d;
  }

  private onConnection(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.once('close', () => this.sockets.delete(socket));
    let buffer = Buffer.alloc(0);
    let transport: FakeDevice | undefined;
    let busy = false;
    const onData = (chunk: Buffer): void => {
      if (busy) return; // a service owns the socket now (shell stdin etc. is ignored)
      buffer = Buffer.concat([buffer, chunk]);
      while (!busy && buffer.length >= 4) {
        const header = buffer.subarray(0, 4).toString('latin1');
        const length = /^[0-9a-fA-F]{4}$/.test(header) ? parseInt(header, 16) : -1;
        if (length < 0 || length > MAX_REQUEST) {
          this.fail(socket, `bad request length ${JSON.stringify(header)}`);
          return;
        }
        if (buffer.length < 4 + length) return;
        const request = buffer.subarray(4, 4 + length).toString('utf8');
        buffer = buffer.subarray(4 + length);
        this.requests.push(request);
        if (transport) {
          busy = true;
          // Bytes after the request belong to the service (a sync: client may send its first request right away).
          this.onDeviceService(socket, transport, request, buffer);
          return;
        }
        const result = this.onHostRequest(socket, request);
        if (result === 'done') {
          busy = true;
          return;
        }
        transport = result;
      }
    };
    socket.on('data', onData);
  }

  /** Returns the device when the socket switched to a transport, 'done' when the request consumed the socket. */
  private onHostRequest(socket: net.Socket, request: string): FakeDevice | 'done' {
    const online = [...this.devices.values()].filter((d) => d.options.state === 'device');
    const query = (payload: string): 'done' => {
      socket.end(Buffer.concat([Buffer.from('OKAY'), lengthPrefixed(payload)]));
      return 'done';
    };
    let m: RegExpExecArray | null;
    if (request === 'host:version') return query(this.options.version.toString(16).padStart(4, '0'));
    if (request === 'host:devices') return query(this.deviceList(false));
    if (request === 'host:devices-l') return query(this.deviceList(true));
    if (request === 'host:track-devices' || request === 'host:track-devices-l') {
      const tracker = { socket, long: request.endsWith('-l') };
      this.trackers.add(tracker);
      socket.once('close', () => this.trackers.delete(tracker));
      // OKAY and the first list go out as separate writes, like the real server (adbkit's parser misses a list
      // that arrives in the same TCP segment as the OKAY).
      socket.write('OKAY');
      setTimeout(() => {
        if (this.trackers.has(tracker)) socket.write(lengthPrefixed(this.deviceList(tracker.long)));
      }, 10);
      return 'done';
    }
    if (request === 'host:kill') {
      socket.end('OKAY');
      void this.close();
      return 'done';
    }
    if ((m = /^host:(?:transport|tport:serial):(.+)$/.exec(request))) return this.switchTransport(socket, request, this.devices.get(m[1] as string), m[1] as string);
    if ((m = /^host:tport:transport-id:(\d+)$/.exec(request)) || (m = /^host:transport-id:(\d+)$/.exec(request))) {
      const id = Number(m[1]);
      return this.switchTransport(socket, request, [...this.devices.values()].find((d) => d.transportId === id), `transport ${id}`);
    }
    if (/^host:(transport|tport:)(-?any|any|-usb|usb|-local|local)$/.test(request)) {
      if (online.length !== 1) return this.fail(socket, online.length === 0 ? 'no devices/emulators found' : 'more than one device/emulator');
      return this.switchTransport(socket, request, online[0], 'any');
    }
    // Queries about one device: host-serial:<serial>:<what> (a serial may contain ':'), host-transport-id:<id>:<what>, host:<what> (the only device).
    if ((m = /^(?:host-serial:(.+)|host-transport-id:(\d+)|host(?:-usb|-local)?):(features|get-state|get-serialno|get-devpath)$/.exec(request))) {
      const device = m[1] !== undefined ? this.devices.get(m[1]) : m[2] !== undefined ? [...this.devices.values()].find((d) => d.transportId === Number(m?.[2])) : online.length === 1 ? online[0] : undefined;
      if (!device) return this.fail(socket, m[1] !== undefined ? `device '${m[1]}' not found` : 'no devices/emulators found');
      if (m[3] === 'features') return query(this.options.features.join(','));
      if (m[3] === 'get-state') return query(device.options.state);
      if (m[3] === 'get-serialno') return query(device.serial);
      return query('usb:1-1');
    }
    if (request === 'host:features' || request === 'host:host-features') return query(this.options.features.join(','));
    return this.fail(socket, `unknown host service '${request.slice(0, 64)}'`);
  }

  private switchTransport(socket: net.Socket, request: string, device: FakeDevice | undefined, what: string): FakeDevice | 'done' {
    if (!device) return this.fail(socket, `device '${what}' not found`);
    if (device.options.state !== 'device') return this.fail(socket, `device ${device.options.state}`);
    let set = this.deviceSockets.get(device.serial);
    if (!set) this.deviceSockets.set(device.serial, (set = new Set()));
    set.add(socket);
    socket.once('close', () => set?.delete(socket));
    // host:tport:* replies OKAY plus the 8-byte little-endian transport id (adb 1.0.41+).
    if (request.startsWith('host:tport:')) {
      const id = Buffer.alloc(8);
      id.writeBigUInt64LE(BigInt(device.transportId));
      socket.write(Buffer.concat([Buffer.from('OKAY'), id]));
    } else {
      socket.write('OKAY');
    }
    return device;
  }

  private onDeviceService(socket: net.Socket, device: FakeDevice, request: string, leftover: Buffer): void {
    if (request === 'sync:') {
      socket.write('OKAY');
      serveSync(socket, device.files, leftover);
      return;
    }
    const local = /^localabstract:(.+)$/.exec(request);
    if (local) {
      const listener = device.abstractSockets.get(local[1] as string);
      // Nothing listening: adbd's connect fails and closes the stream, which the adb server reports as "closed".
      if (!listener) {
        this.fail(socket, 'closed');
        return;
      }
      socket.write('OKAY');
      listener(socket, leftover);
      return;
    }
    const m = /^(shell|exec)(,[^:]*)?:([\s\S]*)$/.exec(request);
    if (!m) {
      this.fail(socket, `closed (fake adb: unsupported device service '${request.slice(0, 64)}')`);
      return;
    }
    const v2 = m[1] === 'shell' && (m[2] ?? '').split(',').includes('v2');
    const command = m[3] as string;
    if (command.trim() === '') {
      this.fail(socket, 'closed (fake adb: interactive shells are not supported)');
      return;
    }
    socket.write('OKAY');
    const sink = shellSink(socket, v2, m[1] === 'shell');
    void runFakeShellCommand(device, command, sink, this.processes, this.options.ffmpegPath).catch(() => socket.destroy());
  }

  private fail(socket: net.Socket, message: string): 'done' {
    socket.end(Buffer.concat([Buffer.from('FAIL'), lengthPrefixed(message)]));
    return 'done';
  }

  private deviceList(long: boolean): string {
    return [...this.devices.values()]
      .map((d) => {
        if (!long) return `${d.serial}\t${d.options.state}\n`;
        const name = productName(d);
        const model = d.options.model.replace(/[^A-Za-z0-9._-]/g, '_');
        return `${d.serial.padEnd(22)} ${d.options.state} usb:1-1 product:${name} model:${model} device:${name} transport_id:${d.transportId}\n`;
      })
      .join('');
  }

  private pushDeviceLists(): void {
    for (const t of this.trackers) t.socket.write(lengthPrefixed(this.deviceList(t.long)));
  }
}

function lengthPrefixed(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from(body.length.toString(16).padStart(4, '0')), body]);
}

/**
 * Output of a device command: raw bytes for exec: and legacy shell: (stderr
 * joins stdout there, as with a real legacy shell), or shell protocol v2
 * packets (id, u32 LE length, data; id 1 stdout, 2 stderr, 3 exit).
 */
function shellSink(socket: net.Socket, v2: boolean, legacyShell: boolean): ShellSink {
  let isClosed = false;
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      isClosed = true;
      resolve();
    }),
  );
  const packet = (id: number, data: Buffer): Buffer => {
    const header = Buffer.alloc(5);
    header.writeUInt8(id, 0);
    header.writeUInt32LE(data.length, 1);
    return Buffer.concat([header, data]);
  };
  return {
    get isClosed() {
      return isClosed;
    },
    closed,
    splitsStderr: v2,
    stdout: (data) => {
      if (!isClosed) socket.write(v2 ? packet(1, data) : data);
    },
    stderr: (data) => {
      if (isClosed) return;
      if (v2) socket.write(packet(2, data));
      else if (legacyShell) socket.write(data);
    },
    exit: (code) => {
      if (isClosed) return;
      if (v2) socket.end(packet(3, Buffer.from([code & 0xff])));
      else socket.end();
    },
  };
}
