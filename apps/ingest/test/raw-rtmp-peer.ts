import { connect, type Socket } from 'node:net';

/**
 * A bare TCP peer for hostile-input tests: it can do the simple RTMP
 * handshake and then write whatever bytes a test wants, and tells when and
 * how the server hung up.
 */
export class RawRtmpPeer {
  readonly closed: Promise<number>;
  private received = Buffer.alloc(0);
  private readonly openedAt = Date.now();

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => (this.received = Buffer.concat([this.received, d])));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve(Date.now() - this.openedAt)));
  }

  static async open(port: number, localAddress = '127.0.0.1'): Promise<RawRtmpPeer> {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawRtmpPeer(socket);
  }

  get isClosed(): boolean {
    return this.socket.destroyed || this.socket.readyState === 'closed';
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** C0 + C1 (zero version: the simple handshake), wait for S0 S1 S2, send C2. */
  async handshake(): Promise<void> {
    const c1 = Buffer.alloc(1536);
    c1.fill(7, 8);
    this.write(Buffer.concat([Buffer.from([3]), c1]));
    const deadline = Date.now() + 5000;
    while (this.received.length < 1 + 1536 * 2) {
      if (Date.now() > deadline || this.isClosed) throw new Error(`handshake: got ${this.received.length} bytes`);
      await new Promise((r) => setTimeout(r, 20));
    }
    this.write(this.received.subarray(1, 1537));
  }

  /** One chunk with a type-0 header on chunk stream 3 (commands). */
  static chunk(typeId: number, declaredLength: number, payload: Buffer): Buffer {
    const header = Buffer.alloc(12);
    header[0] = 3;
    header.writeUIntBE(0, 1, 3);
    header.writeUIntBE(declaredLength, 4, 3);
    header[7] = typeId;
    header.writeUInt32LE(0, 8);
    return Buffer.concat([header, payload]);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** AMF0: the string "connect", transaction 1, then objects nested `depth` deep. */
export function deeplyNestedConnect(depth: number): Buffer {
  const str = (s: string): Buffer => Buffer.concat([Buffer.from([0x02, 0, s.length]), Buffer.from(s)]);
  const parts: Buffer[] = [str('connect'), Buffer.from([0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0])];
  for (let i = 0; i < depth; i++) parts.push(Buffer.from([0x03, 0x00, 0x01, 0x61]));
  parts.push(Buffer.from([0x05]));
  return Buffer.concat(parts);
}
