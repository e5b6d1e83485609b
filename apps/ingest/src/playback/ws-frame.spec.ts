import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { FlvDemuxer } from '@mediaplane/codecs';
import { createHubFrame } from '@mediaplane/media-io';
import { wsBinaryFrame } from './ws-frame';
import { wsFlvHubEncoder } from './ws-flv-hub-encoder';

/** Writes our framed bytes straight to an upgraded socket and reads `messages` messages with the `ws` client, as a player would. */
async function roundTrip(framed: Buffer[], messages: number): Promise<Buffer[]> {
  const wss = new WebSocketServer({ noServer: true });
  const server: Server = createServer();
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, () => {
      for (const bytes of framed) socket.write(bytes);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}/`);
  const received: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    client.on('message', (data: Buffer) => {
      received.push(data);
      if (received.length === messages) resolve();
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
    const received = await roundTrip(payloads.map(wsBinaryFrame), payloads.length);
    expect(received.map((b) => b.length)).toEqual(payloads.map((p) => p.length));
    received.forEach((b, i) => expect(b.equals(payloads[i] as Buffer)).toBe(true));
  });
});

describe('WsFlvHubEncoder', () => {
  it('gives a player the FLV stream: the header and each tag a binary message, a batch laid out in place reading the same', async () => {
    const frames = [
      createHubFrame('video', 0, Buffer.concat([Buffer.from([0x17, 0x01, 0, 0, 0]), Buffer.alloc(70_000, 1)])),
      createHubFrame('audio', 10, Buffer.from('af01aabb', 'hex')),
      createHubFrame('video', 33, Buffer.concat([Buffer.from([0x27, 0x01, 0, 0, 0]), Buffer.alloc(300, 2)])),
    ];
    const batch = Buffer.alloc(frames.reduce((sum, f) => sum + wsFlvHubEncoder.encodedLength(f), 0));
    let offset = 0;
    for (const frame of frames) offset = wsFlvHubEncoder.encodeInto(frame, batch, offset);
    expect(offset).toBe(batch.length);
    const header = wsFlvHubEncoder.preamble({ audio: true, video: true });
    // Written as the hub does: the preamble and the first frame at a join, the rest as one live batch.
    const joined = wsFlvHubEncoder.encode(frames[0] as (typeof frames)[0]);
    // Messages: the header, the joined frame, and one per frame of the batch.
    const received = await roundTrip([header, joined, batch], 2 + frames.length);
    const tags = new FlvDemuxer().push(Buffer.concat(received));
    expect(tags.map((t) => [t.type, t.timestamp, t.data.length])).toEqual([
      [9, 0, 70_005],
      [9, 0, 70_005],
      [8, 10, 4],
      [9, 33, 305],
    ]);
  });
});
