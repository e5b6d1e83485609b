import { Readable, type Duplex } from 'node:stream';
import { Adb } from '@devicefarmer/adbkit';
import type Client from '@devicefarmer/adbkit/dist/src/adb/client';
import type Tracker from '@devicefarmer/adbkit/dist/src/adb/tracker';

export type { Tracker };

export interface AdbGatewayOptions {
  host: string;
  port: number;
  /** adb binary that adbkit may run to start a missing server; undefined = never start one. */
  startServerWith?: string;
  /** Time one short command (getprop, wm size, input) may take. */
  commandTimeoutMs: number;
}

/** Most bytes read from a short command's output; more is a broken device, not an answer. */
const MAX_COMMAND_OUTPUT = 64 * 1024;

/**
 * The one owner of the adb client (@devicefarmer/adbkit, the adb server
 * protocol over TCP). Short commands are bounded in time and size; binary
 * streams use the `exec:` service, which — unlike `shell:` on older devices —
 * never runs through a PTY that would turn \n into \r\n inside H.264 or PNG.
 */
export class AdbGateway {
  private readonly client: Client;

  constructor(private readonly options: AdbGatewayOptions) {
    // adbkit runs `<bin> -P <port> start-server` once per refused connection. An agent must not
    // start a second adb server behind the operator's back (or on a test's fake server's port),
    // so unless asked to, it points at a binary that cannot exist and the connection error stands.
    this.client = Adb.createClient({ host: options.host, port: options.port, bin: options.startServerWith ?? '/nonexistent/adb-autostart-disabled' });
  }

  trackDevices(): Promise<Tracker> {
    return Promise.resolve(this.client.trackDevices());
  }

  async listDevices(): Promise<Array<{ id: string; type: string }>> {
    return withTimeout(Promise.resolve(this.client.listDevices()), this.options.commandTimeoutMs, 'host:devices');
  }

  /** Runs a short command (`shell:` service) and returns its output (stdout and stderr mixed, as adb gives them). */
  async shell(serial: string, command: string): Promise<string> {
    const stream = await withTimeout(Promise.resolve(this.client.getDevice(serial).shell(command)), this.options.commandTimeoutMs, command);
    return readBounded(stream, MAX_COMMAND_OUTPUT, this.options.commandTimeoutMs, command);
  }

  /** Opens `exec:<command>` on the device: its raw stdout as a stream. Destroying the stream ends the command. */
  async execOut(serial: string, command: string): Promise<Duplex> {
    const open = async (): Promise<Duplex> => {
      const connection = await this.client.getDevice(serial).transport();
      const request = Buffer.from(`exec:${command}`, 'utf8');
      connection.write(Buffer.concat([Buffer.from(request.length.toString(16).padStart(4, '0'), 'ascii'), request]));
      const reply = await connection.parser.readAscii(4);
      if (reply === 'OKAY') return connection.parser.raw();
      if (reply === 'FAIL') {
        await connection.parser.readError();
      }
      connection.end();
      throw new Error(`adb exec: unexpected reply ${JSON.stringify(reply)}`);
    };
    return withTimeout(open(), this.options.commandTimeoutMs, command);
  }

  /** Writes `data` to `remotePath` on the device (the sync service, as `adb push`), within the command timeout. */
  async push(serial: string, data: Buffer, remotePath: string, mode = 0o644): Promise<void> {
    const transfer = async (): Promise<void> => {
      const push = await this.client.getDevice(serial).push(Readable.from([data]), remotePath, mode);
      await new Promise<void>((resolve, reject) => {
        push.once('end', () => resolve());
        push.once('error', reject);
      });
    };
    await withTimeout(transfer(), this.options.commandTimeoutMs, `push ${remotePath}`);
  }

  /** Connects to a socket on the device (`localabstract:<name>`, `tcp:<port>`): a byte stream both ways. */
  async openLocal(serial: string, name: string): Promise<Duplex> {
    return withTimeout(Promise.resolve(this.client.getDevice(serial).openLocal(name)), this.options.commandTimeoutMs, name);
  }

  /** Runs `exec:<command>` and returns all its stdout, bounded. */
  async execOutBuffer(serial: string, command: string, maxBytes: number): Promise<Buffer> {
    const stream = await this.execOut(serial, command);
    return readBoundedBuffer(stream, maxBytes, this.options.commandTimeoutMs, command);
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`adb: "${what.slice(0, 40)}" did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function readBounded(stream: Duplex, maxBytes: number, timeoutMs: number, what: string): Promise<string> {
  return (await readBoundedBuffer(stream, maxBytes, timeoutMs, what)).toString('utf8');
}

function readBoundedBuffer(stream: Duplex, maxBytes: number, timeoutMs: number, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => finish(new Error(`adb: "${what.slice(0, 40)}" did not finish within ${timeoutMs} ms`)), timeoutMs);
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      stream.removeAllListeners('data');
      if (error) {
        stream.destroy();
        reject(error);
      } else resolve(Buffer.concat(chunks));
    };
    stream.on('data', (d: Buffer) => {
      size += d.length;
      if (size > maxBytes) finish(new Error(`adb: "${what.slice(0, 40)}" wrote more than ${maxBytes} bytes`));
      else chunks.push(d);
    });
    stream.once('end', () => finish());
    stream.once('close', () => finish());
    stream.once('error', (e: Error) => finish(e));
  });
}
