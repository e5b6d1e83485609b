import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A tiny TCP balancer for fault tests: each new connection is forwarded to the
 * first backend (in list order) that accepts one, as a load balancer in front
 * of a pool of ingest nodes would after a health check. Connections already
 * forwarded stay on their backend and die with it.
 */
export interface FailoverBalancer {
  readonly port: number;
  /** Which backend port each accepted connection went to, in order. */
  readonly routed: number[];
  close(): Promise<void>;
}

export async function startFailoverBalancer(backendPorts: number[], port: number): Promise<FailoverBalancer> {
  const routed: number[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.pause();
    void (async () => {
      for (const backendPort of backendPorts) {
        const backend = await open(backendPort);
        if (!backend) continue;
        routed.push(backendPort);
        sockets.add(backend);
        backend.once('close', () => sockets.delete(backend));
        client.pipe(backend);
        backend.pipe(client);
        client.once('error', () => backend.destroy());
        backend.once('error', () => client.destroy());
        client.once('close', () => backend.destroy());
        backend.once('close', () => client.destroy());
        client.resume();
        return;
      }
      client.destroy();
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    routed,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function open(port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket));
    socket.once('error', () => resolve(undefined));
  });
}
