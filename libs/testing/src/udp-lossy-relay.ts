import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

/** What one direction of the path does to datagrams. */
export interface LossyPathOptions {
  /** Share of datagrams lost, 0–100 (independent, uniform). */
  lossPercent?: number;
  /** One-way delay added to every datagram, milliseconds. */
  delayMs?: number;
  /** Share of datagrams held back by `reorderExtraMs` more, 0–100, so the ones behind them overtake them. */
  reorderPercent?: number;
  /** How much longer a reordered datagram waits (default 15 ms). */
  reorderExtraMs?: number;
}

export interface UdpLossyRelayOptions {
  /** Where the client's datagrams go (the server). */
  target: { address: string; port: number };
  /** Client → server (an SRT publisher's media). */
  upstream?: LossyPathOptions;
  /** Server → client (an SRT receiver's ACKs and NAKs, a player's media). */
  downstream?: LossyPathOptions;
  /** Seed of the loss and reordering draws, so a run can be repeated. */
  seed?: number;
}

export interface LossyPathCounters {
  forwarded: number;
  lost: number;
  reordered: number;
}

/**
 * A UDP relay that stands for a bad network path on loopback (the kernel
 * here has no netem): it loses, delays and reorders datagrams, per
 * direction, from a seeded generator. The client sends to the relay's port
 * as if it were the server; the server sees the relay's upstream socket as
 * the client. One client per relay (as UdpThrottleRelay).
 */
export class UdpLossyRelay {
  private readonly front: Socket = createSocket('udp4');
  private readonly back: Socket = createSocket('udp4');
  private client?: RemoteInfo;
  private random: () => number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  readonly upstream: LossyPathCounters = { forwarded: 0, lost: 0, reordered: 0 };
  readonly downstream: LossyPathCounters = { forwarded: 0, lost: 0, reordered: 0 };

  private constructor(private readonly options: UdpLossyRelayOptions) {
    this.random = mulberry32(options.seed ?? 0x5eed);
    this.front.on('message', (msg, rinfo) => {
      this.client = rinfo;
      this.pass(msg, options.upstream ?? {}, this.upstream, () => this.back.send(msg, options.target.port, options.target.address));
    });
    this.back.on('message', (msg) => {
      const client = this.client;
      if (client) this.pass(msg, options.downstream ?? {}, this.downstream, () => this.front.send(msg, client.port, client.address));
    });
    this.front.on('error', () => undefined);
    this.back.on('error', () => undefined);
  }

  static async start(options: UdpLossyRelayOptions): Promise<UdpLossyRelay> {
    const relay = new UdpLossyRelay(options);
    await Promise.all([relay.bind(relay.front), relay.bind(relay.back)]);
    return relay;
  }

  /** The port the client should send to. */
  get port(): number {
    return this.front.address().port;
  }

  /** Changes a direction's behaviour from now on (e.g. a clean start, then loss). */
  setPath(direction: 'upstream' | 'downstream', path: LossyPathOptions): void {
    this.options[direction] = path;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.front.close();
    this.back.close();
  }

  private bind(socket: Socket): Promise<void> {
    return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  }

  private pass(msg: Buffer, path: LossyPathOptions, counters: LossyPathCounters, send: () => void): void {
    if (this.closed) return;
    if (this.random() * 100 < (path.lossPercent ?? 0)) {
      counters.lost++;
      return;
    }
    let delay = path.delayMs ?? 0;
    if (this.random() * 100 < (path.reorderPercent ?? 0)) {
      counters.reordered++;
      delay += path.reorderExtraMs ?? 15;
    }
    counters.forwarded++;
    if (delay <= 0) {
      send();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) send();
    }, delay);
    this.timers.add(timer);
  }
}

/** A small seeded PRNG (Mulberry32): uniform in [0, 1), the same sequence for the same seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
