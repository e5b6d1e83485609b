import { createServer, type AddressInfo, type Server } from 'node:net';
import { createSocket } from 'node:dgram';

/**
 * Ports this process has handed out. The kernel may return a just-closed
 * ephemeral port again, so two apps started side by side could otherwise be
 * given the same one.
 */
const issued = new Set<number>();

function listenOnAnyPort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * `count` distinct TCP ports that were free a moment ago: all are held open
 * until every one is known, and none was handed out before by this process.
 */
export async function freePorts(count: number): Promise<number[]> {
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    for (let attempts = 0; ports.length < count; attempts++) {
      if (attempts > count + 200) throw new Error(`could not find ${count} free ports`);
      const server = await listenOnAnyPort();
      held.push(server);
      const port = (server.address() as AddressInfo).port;
      if (!issued.has(port)) ports.push(port);
    }
  } finally {
    await Promise.all(held.map(close));
  }
  for (const port of ports) issued.add(port);
  return ports;
}

/** A TCP port that was free a moment ago and not handed out before by this process. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}

/** A port free for both TCP and UDP (SRT, RTC). */
export async function freeUdpPort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free UDP port found');
}

/**
 * A block of `size` consecutive ports for an SFU's RTC range in a test,
 * free for UDP and TCP a moment ago; random, so parallel specs rarely meet.
 */
export async function freeRtcPortRange(size = 100): Promise<{ min: number; max: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const min = 42000 + Math.floor(Math.random() * 160) * 100;
    const probes = [min, min + Math.floor(size / 2), min + size - 1];
    const free = await Promise.all(probes.map((p) => portFreeForUdpAndTcp(p)));
    if (free.every(Boolean)) return { min, max: min + size - 1 };
  }
  throw new Error('no free RTC port range found');
}

function portFreeForUdpAndTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () =>
      socket.close(() => {
        const server = createServer();
        server.once('error', () => resolve(false));
        server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
      }),
    );
  });
}

/**
 * An SFU's environment for one host: the given engine, listening on and
 * announcing 127.0.0.1 (WebRTC media stays on loopback), on its own RTC ports.
 */
export function loopbackSfuEnv(engine: string, range: { min: number; max: number }): Record<string, string> {
  return {
    SFU_ENGINE: engine,
    SFU_RTC_LISTEN_IP: '127.0.0.1',
    SFU_RTC_ANNOUNCED_ADDRESS: '127.0.0.1',
    SFU_RTC_MIN_PORT: String(range.min),
    SFU_RTC_MAX_PORT: String(range.max),
  };
}
