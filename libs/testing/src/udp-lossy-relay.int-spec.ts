import { createSocket, type Socket } from 'node:dgram';
import { mulberry32, UdpLossyRelay } from './udp-lossy-relay';

function bound(socket: Socket): Promise<number> {
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve(socket.address().port)));
}

describe('UdpLossyRelay', () => {
  it('mulberry32 repeats its sequence for a seed and spreads evenly', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const draws = Array.from({ length: 10_000 }, () => a());
    expect(draws.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    expect(mean).toBeGreaterThan(0.47);
    expect(mean).toBeLessThan(0.53);
  });

  it('loses about the given share, delays every datagram and lets some overtake others, both ways', async () => {
    const server = createSocket('udp4');
    const client = createSocket('udp4');
    const serverPort = await bound(server);
    await bound(client);
    const relay = await UdpLossyRelay.start({
      target: { address: '127.0.0.1', port: serverPort },
      upstream: { lossPercent: 5, delayMs: 30, reorderPercent: 10, reorderExtraMs: 15 },
      downstream: { lossPercent: 5 },
      seed: 42,
    });
    const received: number[] = [];
    const delays: number[] = [];
    let echoes = 0;
    server.on('message', (msg, rinfo) => {
      received.push(msg.readUInt32BE(0));
      delays.push(Date.now() - Number(msg.readBigUInt64BE(4)));
      server.send(msg, rinfo.port, rinfo.address);
    });
    client.on('message', () => echoes++);
    const total = 2000;
    try {
      for (let i = 0; i < total; i++) {
        const msg = Buffer.alloc(12);
        msg.writeUInt32BE(i, 0);
        msg.writeBigUInt64BE(BigInt(Date.now()), 4);
        client.send(msg, relay.port, '127.0.0.1');
        // A steady trickle (~1 ms apart), so the 15 ms hold really lets later datagrams overtake.
        if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(relay.upstream.lost + relay.upstream.forwarded).toBe(total);
      expect(received.length).toBe(relay.upstream.forwarded);
      expect(relay.upstream.lost / total).toBeGreaterThan(0.03);
      expect(relay.upstream.lost / total).toBeLessThan(0.07);
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(29);
      const overtaken = received.filter((seq, i) => i > 0 && seq < (received[i - 1] as number)).length;
      expect(overtaken).toBeGreaterThan(0);
      expect(relay.upstream.reordered).toBeGreaterThan(total * 0.06);
      expect(echoes).toBe(relay.downstream.forwarded);
      expect(relay.downstream.lost).toBeGreaterThan(0);
    } finally {
      relay.close();
      server.close();
      client.close();
    }
  });
});
