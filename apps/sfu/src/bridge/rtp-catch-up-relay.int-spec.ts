import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { encodeSenderReport, readRtpHeader, readSenderReports } from '@mediaplane/codecs';
import { createLogger } from '@mediaplane/observability';
import { waitFor } from '@mediaplane/testing';
import { RtpCatchUpRelay } from './rtp-catch-up-relay';

const MAIN = 0x1111;
const CATCH_UP = 0x2222;

function videoPacket(sequence: number, timestamp: number, keyframe: boolean): Buffer {
  const packet = Buffer.alloc(12 + 200);
  packet[0] = 0x80;
  packet[1] = 96;
  packet.writeUInt16BE(sequence, 2);
  packet.writeUInt32BE(timestamp, 4);
  packet.writeUInt32BE(MAIN, 8);
  packet[12] = keyframe ? 0x65 : 0x41;
  return packet;
}

function pli(mediaSsrc: number): Buffer {
  const out = Buffer.alloc(12);
  out[0] = 0x81;
  out[1] = 206;
  out.writeUInt16BE(2, 2);
  out.writeUInt32BE(1, 4);
  out.writeUInt32BE(mediaSsrc, 8);
  return out;
}

/**
 * Real UDP sockets on loopback: one plays FFmpeg, one the SFU's plain
 * transport (it learns the relay's address from its first packet, as
 * mediasoup's comedia does, and answers with keyframe requests).
 */
describe('RtpCatchUpRelay (loopback UDP)', () => {
  let sfu: Socket;
  let ffmpeg: Socket;
  let relay: RtpCatchUpRelay;
  const received: Buffer[] = [];
  let relayAddress: { address: string; port: number } | undefined;

  beforeAll(async () => {
    sfu = createSocket('udp4');
    sfu.bind(0, '127.0.0.1');
    await once(sfu, 'listening');
    sfu.on('message', (message, remote) => {
      relayAddress = remote;
      received.push(message);
    });
    ffmpeg = createSocket('udp4');
    relay = await RtpCatchUpRelay.open({
      mimeType: 'video/H264',
      mainSsrc: MAIN,
      catchUpSsrc: CATCH_UP,
      sfu: { ip: '127.0.0.1', port: sfu.address().port },
      log: createLogger({ app: 'rtp-catch-up-relay-spec', level: 'silent' }),
    });
  });

  afterAll(() => {
    relay.close();
    sfu.close();
    ffmpeg.close();
  });

  const fromFfmpeg = (datagram: Buffer) => new Promise((resolve) => ffmpeg.send(datagram, relay.senderTarget.port, relay.senderTarget.ip, resolve));
  const ofSsrc = (ssrc: number) => received.flatMap((m) => (readRtpHeader(m)?.ssrc === ssrc ? [readRtpHeader(m)!] : []));

  it('passes the sender on as the main layer and mirrors it as the catch-up layer; replays the GOP there for a joiner', async () => {
    // A keyframe and nine more frames; a packet of another SSRC is not the bridge's and is dropped.
    for (let i = 0; i < 10; i++) await fromFfmpeg(videoPacket(i, 1000 + i * 3600, i === 0));
    await fromFfmpeg(Buffer.from(videoPacket(99, 0, false).fill(0x33, 8, 12)));
    await waitFor(() => ofSsrc(CATCH_UP).length === 10 || undefined, { timeoutMs: 5000, what: 'both layers of ten packets' });
    expect(ofSsrc(MAIN).map((h) => h.sequenceNumber)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(received).toHaveLength(20);

    // The sender's report goes on, followed by one for the catch-up layer on the same mapping, moved on to when
    // it was sent: RTP timestamp 1000 of the main layer is the catch-up layer's first, at NTP 10 s.
    await fromFfmpeg(encodeSenderReport({ ssrc: MAIN, ntpSeconds: 10, ntpFraction: 0, rtpTimestamp: 1000, packetCount: 10, octetCount: 2000 }));
    // The relay repeats the main report (see rtp-relay.ts), each repeat again followed by the catch-up layer's.
    await waitFor(() => received.flatMap((m) => readSenderReports(m)).length >= 4 || undefined, { timeoutMs: 5000, what: 'a report and its repeat' });
    const reports = received.flatMap((m) => readSenderReports(m));
    expect(reports.slice(0, 4).map((r) => r.ssrc)).toEqual([MAIN, CATCH_UP, MAIN, CATCH_UP]);
    const mirrored = reports[1]!;
    const sinceMainMs = (mirrored.ntpSeconds - 10) * 1000 + (mirrored.ntpFraction / 2 ** 32) * 1000;
    expect(sinceMainMs).toBeGreaterThanOrEqual(0);
    expect(sinceMainMs).toBeLessThan(1000);
    expect(mirrored.rtpTimestamp - ofSsrc(CATCH_UP)[0]!.timestamp).toBeCloseTo(sinceMainMs * 90, -1);

    // Keyframe requests from the SFU change nothing (FFmpeg cannot answer them; on the catch-up layer they
    // come from viewers already playing, whom a replay would rewind). A joiner gets the GOP replayed.
    sfu.send(pli(MAIN), relayAddress!.port, relayAddress!.address);
    sfu.send(pli(CATCH_UP), relayAddress!.port, relayAddress!.address);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ofSsrc(CATCH_UP)).toHaveLength(10);
    relay.replayForJoiner();
    await waitFor(() => ofSsrc(CATCH_UP).length === 20 || undefined, { timeoutMs: 5000, what: 'the GOP replayed on the catch-up layer' });
    const layer = ofSsrc(CATCH_UP);
    const replay = layer.slice(10);
    expect(
      received[received.findIndex((m) => readRtpHeader(m)?.sequenceNumber === replay[0]!.sequenceNumber && readRtpHeader(m)?.ssrc === CATCH_UP)]![12],
    ).toBe(0x65);
    for (let i = 1; i < layer.length; i++) expect(layer[i]!.sequenceNumber).toBe((layer[i - 1]!.sequenceNumber + 1) & 0xffff);
    expect(replay[0]!.timestamp).toBeGreaterThan(layer[9]!.timestamp);
    expect(ofSsrc(MAIN)).toHaveLength(10);
  });
});
