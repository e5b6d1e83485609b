import { RTCPeerConnection, RTCRtpCodecParameters, type RTCDtlsTransport } from 'werift';

/**
 * A cheap WHEP viewer for load: a werift peer that does the real ICE and
 * DTLS handshake with the SFU, then counts the SRTP packets at the UDP level
 * without decrypting them. SRTP leaves the RTP header in the clear, so the
 * payload type (audio or video) can still be read; the payload is never
 * touched. Decrypting hundreds of 1.5 Mb/s streams in JavaScript would cost
 * the load generator more CPU than the SFU it loads on a 2-core machine.
 */

export const AUDIO_PAYLOAD_TYPE = 111;
const VIDEO_PAYLOAD_TYPE = 96;

export interface ConsumerCounts {
  /** SRTP packets and their bytes (UDP payload: header, encrypted payload, auth tag). */
  videoPackets: number;
  videoBytes: number;
  audioPackets: number;
  audioBytes: number;
  rtcpPackets: number;
  /** Date.now() of the first video packet. */
  firstVideoAt?: number;
}

/** The payload type of an RTP packet, or undefined for RTCP (RFC 5761: second byte 192–223) and non-media. */
export function rtpPayloadType(packet: Buffer): number | undefined {
  if (packet.length < 12) return undefined;
  const first = packet[0] as number;
  if (first < 128 || first > 191) return undefined;
  const second = packet[1] as number;
  if (second >= 192 && second <= 223) return undefined;
  return second & 0x7f;
}

function isRtcp(packet: Buffer): boolean {
  const first = packet[0] as number;
  const second = packet[1] as number;
  return packet.length >= 8 && first >= 128 && first <= 191 && second >= 192 && second <= 223;
}

export class ByteCountingConsumer {
  readonly counts: ConsumerCounts = { videoPackets: 0, videoBytes: 0, audioPackets: 0, audioBytes: 0, rtcpPackets: 0 };
  private location?: string;
  private readonly pc: RTCPeerConnection;

  constructor(address = '127.0.0.1') {
    this.pc = new RTCPeerConnection({
      codecs: {
        audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: AUDIO_PAYLOAD_TYPE })],
        video: [
          new RTCRtpCodecParameters({
            mimeType: 'video/VP8',
            clockRate: 90000,
            payloadType: VIDEO_PAYLOAD_TYPE,
            rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
          }),
        ],
      },
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: [address],
      iceInterfaceAddresses: { udp4: address },
      bundlePolicy: 'max-bundle',
    });
    this.pc.addTransceiver('video', { direction: 'recvonly' });
    this.pc.addTransceiver('audio', { direction: 'recvonly' });
  }

  /** Offers, POSTs to the WHEP endpoint, applies the answer and waits for ICE+DTLS; each step bounded by `timeoutMs`, so a saturated SFU fails a join instead of hanging it. */
  async join(whepUrl: string, timeoutMs: number): Promise<void> {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    await Promise.race([this.gathered(), new Promise((r) => setTimeout(r, 5000))]);
    for (const transport of this.pc.dtlsTransports) this.countInsteadOfDecrypting(transport);
    const res = await fetch(whepUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp' },
      body: this.pc.localDescription?.sdp,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await res.text();
    if (res.status !== 201) throw new Error(`WHEP POST answered ${res.status}: ${body.slice(0, 200)}`);
    this.location = new URL(res.headers.get('location') ?? '', whepUrl).toString();
    await this.pc.setRemoteDescription({ type: 'answer', sdp: body });
    await this.connected(timeoutMs);
  }

  /** DELETEs the WHEP resource (so the SFU frees the consumer at once) and closes the peer. */
  async leave(): Promise<void> {
    if (this.location) await fetch(this.location, { method: 'DELETE', signal: AbortSignal.timeout(5000) }).catch(() => undefined);
    await this.pc.close().catch(() => undefined);
  }

  /**
   * werift starts SRTP once DTLS is up, subscribing a decrypting handler to
   * the ICE connection; this replaces that step for this peer only: the SRTP
   * keys are still derived (so werift's own RTCP reports go out encrypted as
   * usual), but incoming packets are only counted.
   */
  private countInsteadOfDecrypting(transport: RTCDtlsTransport): void {
    transport.startSrtp = () => {
      if (transport.srtpStarted) return;
      transport.srtpStarted = true;
      transport.updateSrtpSession();
      transport.iceTransport.connection.onData.subscribe((data: Buffer) => {
        if (isRtcp(data)) {
          this.counts.rtcpPackets++;
          return;
        }
        const payloadType = rtpPayloadType(data);
        if (payloadType === undefined) return;
        if (payloadType === AUDIO_PAYLOAD_TYPE) {
          this.counts.audioPackets++;
          this.counts.audioBytes += data.length;
        } else {
          this.counts.videoPackets++;
          this.counts.videoBytes += data.length;
          this.counts.firstVideoAt ??= Date.now();
        }
      });
    };
  }

  private gathered(): Promise<void> {
    if (this.pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const { unSubscribe } = this.pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') {
          unSubscribe();
          resolve();
        }
      });
    });
  }

  private connected(timeoutMs: number): Promise<void> {
    if (this.pc.connectionState === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unSubscribe();
        reject(new Error(`not connected after ${timeoutMs} ms (${this.pc.connectionState})`));
      }, timeoutMs);
      const { unSubscribe } = this.pc.connectionStateChange.subscribe((state) => {
        if (state === 'connected') {
          clearTimeout(timer);
          unSubscribe();
          resolve();
        } else if (state === 'failed') {
          clearTimeout(timer);
          unSubscribe();
          reject(new Error('connection failed'));
        }
      });
    });
  }
}
