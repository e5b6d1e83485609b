import { RTCRtpCodecParameters, RTCRtpSender, RTP_EXTENSION_URI, RtcpSrPacket, RtpHeader, RtpPacket, type RtcpPacket } from 'werift';
import { absSendTimeNow, correctSenderReportClock, epochMsFromNtp, ntpFromEpochMs, ntpNow } from './werift-ntp-clock';

const NTP_UNIX_OFFSET_S = 2_208_988_800;
const ntpToEpochMs = epochMsFromNtp;

/** A werift sender on a stand-in DTLS transport that records what werift hands it (RTP headers, RTCP). */
function senderOnRecordingTransport() {
  const headers: RtpHeader[] = [];
  const rtcp: RtcpPacket[] = [];
  const sender = new RTCRtpSender('video');
  sender.prepareSend({
    muxId: '0',
    codecs: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, payloadType: 96 })],
    headerExtensions: [{ id: 3, uri: RTP_EXTENSION_URI.absSendTime }],
    encodings: [],
  } as unknown as Parameters<RTCRtpSender['prepareSend']>[0]);
  sender.dtlsTransport = {
    state: 'connected',
    transportSequenceNumber: 0,
    sendRtp: async (payload: Buffer, header: RtpHeader) => {
      headers.push(header);
      return payload.length;
    },
    sendRtcp: async (packets: RtcpPacket[]) => {
      rtcp.push(...packets);
    },
  } as unknown as RTCRtpSender['dtlsTransport'];
  return { sender, headers, rtcp };
}

describe('werift NTP clock', () => {
  it('converts wall-clock milliseconds to 32.32 NTP with the fraction of the second', () => {
    const ntp = ntpFromEpochMs(Date.UTC(2026, 0, 1) + 250.5);
    expect(Number(ntp >> 32n)).toBe(Date.UTC(2026, 0, 1) / 1000 + NTP_UNIX_OFFSET_S);
    expect(Number(ntp & 0xffffffffn) / 2 ** 32).toBeCloseTo(0.2505, 6);
    // ntpNow reads the monotonic clock from the process's time origin, which drifts a few ms from Date.now()'s
    // wall clock (a CI run: 4 ms): 50 ms still tells a correct fraction from werift's, off by up to a second.
    expect(ntpToEpochMs(ntpNow())).toBeGreaterThan(Date.now() - 50);
    expect(ntpToEpochMs(ntpNow())).toBeLessThan(Date.now() + 50);
  });

  it('encodes abs-send-time as the 6.18 fixed-point seconds of now', () => {
    const value = absSendTimeNow().readUIntBE(0, 3);
    const expected = ((Date.now() / 1000) % 64) * 2 ** 18;
    // Within 50 ms (2^18 units per second; the monotonic and wall clocks drift a few ms apart), modulo the 64 s wrap.
    const diff = Math.abs(value - expected) % 2 ** 24;
    expect(Math.min(diff, 2 ** 24 - diff)).toBeLessThan(0.05 * 2 ** 18);
  });

  it("makes a werift sender's Sender Report pair the RTP timestamp with the time it sent that packet", async () => {
    const { sender, rtcp } = senderOnRecordingTransport();
    expect(correctSenderReportClock(sender)).toBeDefined();
    try {
      const sentAt = Date.now();
      await sender.sendRtp(new RtpPacket(new RtpHeader({ payloadType: 96, timestamp: 123_456, sequenceNumber: 7, ssrc: 1 }), Buffer.alloc(100)));
      // werift reports every 0.5–1.5 s.
      for (let waited = 0; waited < 3000 && !rtcp.some((p) => p instanceof RtcpSrPacket); waited += 50) await new Promise((r) => setTimeout(r, 50));
      const report = rtcp.find((p): p is RtcpSrPacket => p instanceof RtcpSrPacket);
      expect(report).toBeDefined();
      expect(report!.senderInfo.rtpTimestamp).toBe(123_456);
      // werift alone reports the whole second (up to 1 s early).
      expect(Math.abs(ntpToEpochMs(report!.senderInfo.ntpTimestamp) - sentAt)).toBeLessThan(50);
    } finally {
      sender.stop();
    }
  });

  it("reports the time a forwarder gives for the packet instead (the source's capture time)", async () => {
    const { sender, rtcp } = senderOnRecordingTransport();
    const clock = correctSenderReportClock(sender)!;
    try {
      const captured = ntpFromEpochMs(Date.UTC(2026, 0, 1, 12));
      clock.next = captured;
      await sender.sendRtp(new RtpPacket(new RtpHeader({ payloadType: 96, timestamp: 99, sequenceNumber: 7, ssrc: 1 }), Buffer.alloc(100)));
      for (let waited = 0; waited < 3000 && !rtcp.some((p) => p instanceof RtcpSrPacket); waited += 50) await new Promise((r) => setTimeout(r, 50));
      const report = rtcp.find((p): p is RtcpSrPacket => p instanceof RtcpSrPacket);
      expect(report?.senderInfo.ntpTimestamp).toBe(captured);
      expect(report?.senderInfo.rtpTimestamp).toBe(99);
      expect(clock.next).toBeUndefined();
    } finally {
      sender.stop();
    }
  });

  it("keeps an abs-send-time the packet carries under the negotiated id instead of werift's own", async () => {
    const { sender, headers } = senderOnRecordingTransport();
    try {
      const ours = absSendTimeNow();
      const header = new RtpHeader({ payloadType: 96, timestamp: 1, sequenceNumber: 1, ssrc: 1 });
      header.extensions = [{ id: 3, payload: ours }];
      await sender.sendRtp(new RtpPacket(header, Buffer.alloc(10)));
      expect(headers[0]!.extensions).toEqual([{ id: 3, payload: ours }]);
    } finally {
      sender.stop();
    }
  });

  it('leaves a sender without the field alone', () => {
    expect(correctSenderReportClock({})).toBeUndefined();
  });
});
