import {
  GenericNack,
  RTCPeerConnection,
  RTCRtpSender,
  RtcpTransportLayerFeedback,
  RtpHeader,
  RtpPacket,
  useAbsSendTime,
  useSdesMid,
  type RTCRtpTransceiver,
} from 'werift';
import { waitFor } from '@mediaplane/testing';
import { absSendTimeNow, correctSenderReportClock } from '@mediaplane/media-io/werift';
import { weriftVideoCodecs } from './werift-codecs';
import { WeriftForwardingSender } from './werift-forwarding-sender';

/**
 * WeriftForwardingSender between two real werift peers on loopback (ICE,
 * DTLS, SRTP with AES-GCM as werift negotiates it): what it sends must be
 * what werift's own sendRtp would have sent, as the receiving peer sees it.
 */

const VP8_PT = 96;

function peer(): RTCPeerConnection {
  return new RTCPeerConnection({
    codecs: { video: weriftVideoCodecs() },
    headerExtensions: { video: [useSdesMid(), useAbsSendTime()] },
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    bundlePolicy: 'max-bundle',
  });
}

/** A producer's packet as the SFU hands it on: its own SSRC, payload type and numbering. */
function sourcePacket(sequenceNumber: number, timestamp: number, marker = false): RtpPacket {
  const payload = Buffer.alloc(900, sequenceNumber & 0xff);
  payload.writeUInt16BE(sequenceNumber, 0);
  return new RtpPacket(new RtpHeader({ payloadType: 120, ssrc: 0x5ca1ab1e, sequenceNumber, timestamp, marker }), payload);
}

describe('WeriftForwardingSender (two werift peers on loopback)', () => {
  let sending: RTCPeerConnection;
  let receiving: RTCPeerConnection;
  let transceiver: RTCRtpTransceiver;
  let forwarding: WeriftForwardingSender;
  const received: RtpPacket[] = [];

  beforeAll(async () => {
    sending = peer();
    receiving = peer();
    transceiver = sending.addTransceiver('video', { direction: 'sendonly' });
    receiving.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => received.push(rtp)));
    await sending.setLocalDescription(await sending.createOffer());
    await receiving.setRemoteDescription(sending.localDescription!);
    await receiving.setLocalDescription(await receiving.createAnswer());
    await sending.setRemoteDescription(receiving.localDescription!);
    await waitFor(() => (sending.connectionState === 'connected' && receiving.connectionState === 'connected' ? true : undefined), {
      timeoutMs: 20_000,
      what: 'the two werift peers connected',
    });
    const clock = correctSenderReportClock(transceiver.sender);
    expect(clock).toBeDefined();
    const made = WeriftForwardingSender.of(transceiver.sender);
    if (!made) throw new Error("werift's RTCRtpSender is not the shape WeriftForwardingSender knows (werift upgraded?)");
    forwarding = made;
  }, 30_000);

  afterAll(async () => {
    await Promise.all([sending?.close(), receiving?.close()]);
  });

  it("delivers every packet without werift's sendRtp: the viewer's SSRC and payload type, the payload untouched, mid and abs-send-time on it", async () => {
    const sendRtp = jest.spyOn(RTCRtpSender.prototype, 'sendRtp');
    try {
      for (let i = 0; i < 20; i++) expect(forwarding.send(sourcePacket(1000 + i, 90_000 + i * 3000, i % 5 === 4), absSendTimeNow())).toBe(true);
      await waitFor(() => (received.length >= 20 ? true : undefined), { timeoutMs: 10_000, what: '20 packets at the receiving peer' });
      expect(sendRtp).not.toHaveBeenCalled();
    } finally {
      sendRtp.mockRestore();
    }
    const sequence = received.map((p) => p.header.sequenceNumber);
    for (let i = 1; i < sequence.length; i++) expect(sequence[i]).toBe((sequence[i - 1]! + 1) & 0xffff);
    for (const [i, packet] of received.entries()) {
      expect(packet.header.ssrc).toBe(transceiver.sender.ssrc);
      expect(packet.header.payloadType).toBe(VP8_PT);
      expect(packet.header.marker).toBe(i % 5 === 4);
      expect(packet.payload.equals(sourcePacket(1000 + i, 0).payload)).toBe(true);
      expect(packet.header.timestamp - received[0]!.header.timestamp).toBe(i * 3000);
      const ids = packet.header.extensions.map((e) => e.id).sort();
      expect(ids).toEqual(transceiver.headerExtensions.map((e) => e.id).sort());
    }
  });

  it('retransmits a packet the viewer NACKs, from its history, as the same packet', async () => {
    const wanted = received[7]!;
    const before = received.length;
    const nack = new RtcpTransportLayerFeedback({
      feedback: new GenericNack({ senderSsrc: 1, mediaSourceSsrc: transceiver.sender.ssrc, lost: [wanted.header.sequenceNumber] }),
    });
    transceiver.sender.handleRtcpPacket(nack);
    await waitFor(() => (received.length > before ? true : undefined), { timeoutMs: 10_000, what: 'the retransmission at the receiving peer' });
    const again = received[before]!;
    expect(again.header.sequenceNumber).toBe(wanted.header.sequenceNumber);
    expect(again.header.timestamp).toBe(wanted.header.timestamp);
    expect(again.payload.equals(wanted.payload)).toBe(true);
  });

  it('continues the numbering after replaceRTP, whatever the next source numbers from (a simulcast layer switch)', async () => {
    // The last one sent (not the retransmission, which arrived after it); no wrap-around in this test's numbers.
    const last = received.reduce((a, b) => (b.header.sequenceNumber > a.header.sequenceNumber ? b : a));
    const before = received.length;
    transceiver.sender.replaceRTP(sourcePacket(40_000, 7).header, false, 3000);
    for (let i = 0; i < 3; i++) forwarding.send(sourcePacket(40_000 + i, 7_000_000 + i * 3000), absSendTimeNow());
    await waitFor(() => (received.length >= before + 3 ? true : undefined), { timeoutMs: 10_000, what: '3 packets of the new source' });
    const next = received.slice(before);
    expect(next.map((p) => p.header.sequenceNumber)).toEqual([1, 2, 3].map((k) => (last.header.sequenceNumber + k) & 0xffff));
    expect(next.map((p) => (p.header.timestamp - last.header.timestamp) >>> 0)).toEqual([3000, 6000, 9000]);
  });
});
