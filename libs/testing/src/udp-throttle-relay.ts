import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

export interface UdpThrottleOptions {
  /** Where datagrams from the client go (the server's ICE candidate). */
  target: { address: string; port: number };
  /** Ceiling on server → client traffic, bits per second; beyond the queue, datagrams are dropped. */
  downstreamBitsPerSecond: number;
  /** How much server → client data may wait, in milliseconds of the ceiling (a router's queue). */
  queueMs?: number;
  /** Extra one-way delay each way, milliseconds. */
  delayMs?: number;
  /** Fraction (0..1) of client → server datagrams dropped at random (a lossy uplink, e.g. a publisher's). */
  upstreamLoss?: number;
}

/**
 * A small UDP relay that stands for a constrained network path on loopback
 * (the kernel here has no netem): the client talks to the relay's port as if
 * it were the server, the server sees the relay's upstream socket as the
 * client, and server → client traffic is shaped to a bit rate with a short
 * queue, so congestion control and simulcast layer selection see a real
 * bottleneck.
 */
export class UdpThrottleRelay {
  private readonly front: Socket = createSocket('udp4');
  private readonly back: Socket = createSocket('udp4');
  private client?: RemoteInfo;
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private credit = 0;
  private lastRefill = Date.now();
  private readonly timer: NodeJS.Timeout;
  dropped = 0;
  forwardedDown = 0;
  droppedUp = 0;
  forwardedUp = 0;

  private constructor(private readonly options: UdpThrottleOptions) {
    this.front.on('message', (msg, rinfo) => {
      this.client = rinfo;
      if (Math.random() < (this.options.upstreamLoss ?? 0)) {
        this.droppedUp++;
        return;
      }
      this.forwardedUp++;
      this.later(() => this.back.send(msg, options.target.port, options.target.address));
    });
    this.back.on('message', (msg) => this.enqueue(msg));
    this.timer = setInterval(() => this.drain(), 5);
  }

  static async start(options: UdpThrottleOptions): Promise<UdpThrottleRelay> {
    const relay = new UdpThrottleRelay(options);
    await Promise.all([relay.bind(relay.front), relay.bind(relay.back)]);
    return relay;
  }

  /** The port the client should send to (put it in the server's candidate). */
  get port(): number {
    return this.front.address().port;
  }

  /** Drops this fraction of client → server datagrams from now on (0 = none). */
  setUpstreamLoss(fraction: number): void {
    this.options.upstreamLoss = fraction;
  }

  setDownstreamBitsPerSecond(bitsPerSecond: number): void {
    this.options.downstreamBitsPerSecond = bitsPerSecond;
  }

  close(): void {
    clearInterval(this.timer);
    this.front.close();
    this.back.close();
  }

  private bind(socket: Socket): Promise<void> {
    return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  }

  private later(send: () => void): void {
    if (this.options.delayMs) setTimeout(send, this.options.delayMs);
    else send();
  }

  private enqueue(msg: Buffer): void {
    const limitBytes = ((this.options.downstreamBitsPerSecond / 8) * (this.options.queueMs ?? 50)) / 1000;
    if (this.queuedBytes + msg.length > Math.max(limitBytes, 1500)) {
      this.dropped++;
      return;
    }
    this.queue.push(msg);
    this.queuedBytes += msg.length;
    this.drain();
  }

  private drain(): void {
    const now = Date.now();
    const rate = this.options.downstreamBitsPerSecond / 8 / 1000;
    // At most one queue's worth of credit builds up while idle, so bursts stay bounded.
    this.credit = Math.min(this.credit + (now - this.lastRefill) * rate, Math.max(rate * (this.options.queueMs ?? 50), 1500));
    this.lastRefill = now;
    const client = this.client;
    while (client && this.queue.length > 0 && this.credit >= (this.queue[0] as Buffer).length) {
      const msg = this.queue.shift() as Buffer;
      this.queuedBytes -= msg.length;
      this.credit -= msg.length;
      this.forwardedDown++;
      this.later(() => this.front.send(msg, client.port, client.address));
    }
  }
}

/**
 * Points an SDP answer's candidates at a relay: keeps the first UDP host
 * candidate (port replaced by the relay's), drops the others (TCP, other
 * ports), so the client can only reach the server through the relay.
 */
export function sdpCandidateTarget(sdp: string): { address: string; port: number } | undefined {
  const match = /^a=candidate:\S+ \d+ udp \d+ (\S+) (\d+) typ host/im.exec(sdp);
  return match ? { address: match[1] as string, port: Number(match[2]) } : undefined;
}

export function rewriteCandidatesToRelay(sdp: string, relayPort: number): string {
  let kept = false;
  return sdp
    .split('\r\n')
    .filter((line) => {
      if (!line.startsWith('a=candidate:')) return true;
      if (kept || !/ udp /i.test(line) || !/ typ host/.test(line)) return false;
      kept = true;
      return true;
    })
    .map((line) => (line.startsWith('a=candidate:') ? line.replace(/^(a=candidate:\S+ \d+ udp \d+ \S+ )(\d+)/i, `$1${relayPort}`) : line))
    .join('\r\n');
}
