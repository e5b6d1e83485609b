import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { wsBinaryFrame } from './ws-frame';

/** Writes our frames straight to an upgraded socket and reads them with the `ws` client, as a player would. */
async function roundTrip(payloads: Buffer[]): Promise<Buffer[]> {
  const wss = new WebSocketServer({ noServer: true });
  const server: Server = createServer();
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, () => {
      for (const payload of payloads) socket.write(wsBinaryFrame(payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}/`);
  const received: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    client.on('message', (data: Buffer) => {
      received.push(data);
      if (received.length === payloads.length) resolve();
    });
    client.on('error', reject);
  });
  client.terminate();
  wss.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  return received;
}

describe('wsBinaryFrame', () => {
  it('frames payloads of every length class (7-bit, 16-bit and 64-bit lengths) as binary messages a client reads back', async () => {
    const payloads = [0, 125, 126, 65535, 65536, 300_000].map((size, i) => Buffer.alloc(size, i + 1));
    const received = await roundTrip(payloads);
    expect(received.map((b) => b.length)).toEqual(payloads.map((p) => p.length));
    received.forEach((b, i) => expect(b.equals(payloads[i] as Buffer)).toBe(true));
  });

  it('frames a shared payload once', () => {
    const payload = Buffer.from('flv tags');
    expect(wsBinaryFrame(payload)).toBe(wsBinaryFrame(payload));
  });
});
