import { createSocket, type Socket } from 'node:dgram';

/**
 * A UDP port p with p + 1 also free on `ip`: FFmpeg's RTP demuxer listens for
 * RTP on the port the SDP names and for RTCP on the next one. The sockets are
 * closed before FFmpeg binds, so another process could take them in between;
 * FFmpeg then fails to bind and the supervisor's restart picks again.
 */
export async function freeUdpPortPair(ip: string, attempts = 20): Promise<number> {
  for (let i = 0; i < attempts; i++) {
    const rtp = await bind(ip, 0);
    const port = (rtp.address() as { port: number }).port;
    const rtcp = port < 65535 ? await bind(ip, port + 1).catch(() => undefined) : undefined;
    rtp.close();
    rtcp?.close();
    if (rtcp) return port;
  }
  throw new Error(`no free UDP port pair on ${ip}`);
}

function bind(ip: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(ip.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.bind(port, ip, () => resolve(socket));
  });
}
