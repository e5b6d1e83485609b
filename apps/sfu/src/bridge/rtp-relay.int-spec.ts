import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { encodeSenderReport, isRtcp, readRtpHeader, readSenderReports } from '@mediaplane/codecs';
import { createLogger } from '@mediaplane/observability';
import { waitFor } from '@mediaplane/testing';
import { RtpRelay } from './rtp-relay';

const SSRC = 0x3333;
const NTP_FRACTIONS_PER_MS = 2 ** 32 / 1000;

function opusPacket(sequence: number, timestamp: number, ssrc = SSRC): Buffer {
  const packet = Buffer.alloc(12 + 80, 0x5a);
  packet[0] = 0x80;
  packet[1] = 111;
  packet.writeUInt16BE(sequence, 2);
  packet.writeUInt32BE(timestamp, 4);
  packet.writeUInt32BE(ssrc, 8);
  return packet;
}

/** Real UDP sockets on loopback: one plays FFmpeg, one the SFU's plain transport. */
describe('RtpRelay (loopback UDP)', () => {
  let sfu: Socket;
  let ffmpeg: Socket;
  let relay: RtpRelay;
  const received: Buffer[] = [];

  beforeAll(async () => {
    sfu = createSocket('udp4');
    sfu.bind(0, '127.0.0.1');
    await once(sfu, 'listening');
    sfu.on('message', (message) => received.push(message));
    ffmpeg = createSocket('udp4');
    relay = await RtpRelay.open({
      ssrc: SSRC,
      ticksPerMs: 48,
      sfu: { ip: '127.0.0.1', port: sfu.address().port },
      log: createLogger({ app: 'rtp-relay-spec', level: 'silent' }),
    });
  });

  afterAll(() => {
    relay.close();
    sfu.close();
    ffmpeg.close();
  });

  const fromFfmpeg = (datagram: Buffer) => new Promise((resolve) => ffmpeg.send(datagram, relay.senderTarget.port, relay.senderTarget.ip, resolve));

  it("passes the sender's RTP and RTCP on unchanged, and nothing of another SSRC", async () => {
    const packets = [0, 1, 2].map((i) => opusPacket(i, 5000 + i * 480));
    for (const packet of packets) await fromFfmpeg(packet);
    await fromFfmpeg(opusPacket(9, 0, 0x4444));
    await waitFor(() => received.length === 3 || undefined, { timeoutMs: 5000, what: 'three packets' });
    expect(received).toEqual(packets);
    expect(relay.currentReport()).toBeUndefined();
  });

  it("repeats the sender's latest report moved on to the moment it is sent, on the sender's own mapping", async () => {
    const original = { ssrc: SSRC, ntpSeconds: 20, ntpFraction: 0, rtpTimestamp: 5000, packetCount: 3, octetCount: 276 };
    await fromFfmpeg(encodeSenderReport(original));
    // Without repeats this would be one report: FFmpeg sends the next only after 5 s.
    await waitFor(() => received.filter(isRtcp).length >= 4 || undefined, { timeoutMs: 5000, what: 'the report and three repeats' });
    const reports = received.filter(isRtcp).flatMap((m) => readSenderReports(m));
    expect(reports[0]).toEqual(original);
    let previousMs = 0;
    for (const report of reports.slice(1)) {
      const sinceOriginalMs = (report.ntpSeconds - 20) * 1000 + report.ntpFraction / NTP_FRACTIONS_PER_MS;
      expect(sinceOriginalMs).toBeGreaterThan(previousMs);
      // The line through the sender's report: 48 ticks per ms of NTP time (rounding: ±1 tick).
      expect(Math.abs(report.rtpTimestamp - 5000 - sinceOriginalMs * 48)).toBeLessThanOrEqual(1);
      expect(report).toMatchObject({ ssrc: SSRC, packetCount: 3, octetCount: 276 });
      previousMs = sinceOriginalMs;
    }
    expect(readRtpHeader(received[0]!)?.ssrc).toBe(SSRC);
  });

  it('stops repeating once closed', async () => {
    relay.close();
    const count = received.length;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(received).toHaveLength(count);
  });
});
