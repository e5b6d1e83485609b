import { isKeyframeStart } from '@mediaplane/codecs';
import {
  PictureLossIndication,
  ReceiverEstimatedMaxBitrate,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtcpPayloadSpecificFeedback,
  RtcpRrPacket,
  RtcpSrPacket,
  RtpPacket,
  useAbsSendTime,
  useSdesMid,
  type RTCRtpSender,
  type RTCRtpTransceiver,
  type RtcpPacket,
} from 'werift';
import { patchWeriftDuplicateHelloVerifyRequest } from './werift-dtls-patch';
import { absSendTimeExtensionId, absSendTimeNow, correctSenderReportClock, ntpNow } from './werift-ntp-clock';

/**
 * A WHIP (RFC 9725) publisher on werift: one WebRTC session to a WHIP
 * endpoint that sends RTP it is handed (already packetized, e.g. by FFmpeg's
 * RTP muxer) — H.264 Constrained Baseline video and Opus audio — rewritten to
 * the session's SSRCs and payload types, with sequence numbers and
 * timestamps kept continuous when the source restarts (a new SSRC from the
 * source). Reports the receiver's feedback (RTCP receiver reports: loss and
 * RTT; REMB) for adaptive quality, and its keyframe requests (PLI, FIR) beside
 * the keyframes that went out, for a source that can only make one by
 * restarting. One session per instance: reconnecting is
 * the caller's loop (a new instance), so a failed session never leaks state
 * into the next.
 */

export type WhipMediaKind = 'audio' | 'video';

export interface WhipFeedback {
  kind: WhipMediaKind;
  /** Fraction lost since the previous report, 0..1: the RR/SR report block's, or the NACKed share when higher. */
  fractionLost?: number;
  /** Round-trip time from the report's LSR/DLSR, ms. */
  rttMs?: number;
  /** REMB estimate, kb/s. */
  estimateKbps?: number;
  /** Share of the packets sent since the previous report that the receiver NACKed (loss before retransmission). */
  nackLoss?: number;
}

export interface WhipConnectOptions {
  /** The WHIP endpoint, `http(s)://host:port/whip/{streamId}`. */
  url: string;
  /** Bearer token (the stream key): sent in the Authorization header only. */
  token: string;
  /** Local address to gather ICE candidates on (e.g. 127.0.0.1 in tests); default every interface. */
  iceAddress?: string;
  /** Whether to offer an audio section. */
  audio: boolean;
  /** How long signalling plus ICE/DTLS may take. */
  timeoutMs: number;
}

/** A WHIP request the server refused, with its HTTP status (401: bad key, 404: unknown stream, 409: busy…). */
export class WhipHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Payload-specific feedback message type of a Full Intra Request (RFC 5104 §4.3.1). */
const FIR_FMT = 4;
const VIDEO_FEEDBACK = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'goog-remb' }];
/** The profile every browser decodes and every SFU engine here routes (Constrained Baseline 3.1). */
export const WHIP_H264_PROFILE_LEVEL_ID = '42e01f';

interface SendState {
  sender: RTCRtpSender;
  clockRate: number;
  /** Packets sent and distinct sequence numbers the receiver NACKed since the last receiver report. */
  sentSinceReport: number;
  nackedSinceReport: Set<number>;
  sourceSsrc?: number;
  lastSentAtMs?: number;
  /** Video: the transceiver, whose negotiated abs-send-time id is looked up at the first packet (null: none). */
  transceiver?: RTCRtpTransceiver;
  absSendTimeId?: number | null;
}

export class WhipSession {
  private readonly pc: RTCPeerConnection;
  private readonly sending = new Map<WhipMediaKind, SendState>();
  private resource?: string;
  private closed = false;
  private readonly feedbackListeners: Array<(f: WhipFeedback) => void> = [];
  private readonly closeListeners: Array<(reason: string) => void> = [];
  private readonly switchListeners: Array<(kind: WhipMediaKind, gapMs: number) => void> = [];
  private readonly keyframeRequestListeners: Array<() => void> = [];
  private readonly keyframeSentListeners: Array<() => void> = [];
  packetsSent = 0;

  private constructor(private readonly options: WhipConnectOptions) {
    // This side is the DTLS client when the server answers passive: it needs the same fix as the SFU's werift engine.
    patchWeriftDuplicateHelloVerifyRequest();
    const address = options.iceAddress;
    this.pc = new RTCPeerConnection({
      codecs: {
        audio: [
          new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111, parameters: 'minptime=10;useinbandfec=1' }),
        ],
        video: [
          new RTCRtpCodecParameters({
            mimeType: 'video/H264',
            clockRate: 90000,
            payloadType: 102,
            rtcpFeedback: VIDEO_FEEDBACK,
            parameters: `level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=${WHIP_H264_PROFILE_LEVEL_ID}`,
          }),
        ],
      },
      // abs-send-time lets the receiver estimate bandwidth and answer with REMB.
      headerExtensions: { audio: [useSdesMid()], video: [useSdesMid(), useAbsSendTime()] },
      bundlePolicy: 'max-bundle',
      ...(address ? { iceUseIpv6: false, iceAdditionalHostAddresses: [address], iceInterfaceAddresses: { udp4: address } } : {}),
    });
    const video = this.pc.addTransceiver('video', { direction: 'sendonly' });
    // werift 0.25's own clock is truncated to the second (see werift-ntp-clock): our Sender Reports — from which the
    // SFU's receiver reports derive the RTT that adaptive quality reads — and abs-send-time get a correct one.
    correctSenderReportClock(video.sender);
    this.sending.set('video', { sender: video.sender, transceiver: video, clockRate: 90000, sentSinceReport: 0, nackedSinceReport: new Set() });
    video.sender.onGenericNack.subscribe((nack) => {
      const state = this.sending.get('video');
      for (const seq of nack.lost) if (state && state.nackedSinceReport.size < 65536) state.nackedSinceReport.add(seq);
    });
    video.sender.onRtcp.subscribe((packet) => this.onRtcp('video', video.sender, packet));
    if (options.audio) {
      const audio = this.pc.addTransceiver('audio', { direction: 'sendonly' });
      correctSenderReportClock(audio.sender);
      this.sending.set('audio', { sender: audio.sender, clockRate: 48000, sentSinceReport: 0, nackedSinceReport: new Set() });
      audio.sender.onRtcp.subscribe((packet) => this.onRtcp('audio', audio.sender, packet));
    }
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed' || state === 'closed') this.emitClosed(`connection ${state}`);
    });
  }

  /** Offers, POSTs to the endpoint and waits until ICE and DTLS are up; closes everything on any failure. */
  static async connect(options: WhipConnectOptions): Promise<WhipSession> {
    const session = new WhipSession(options);
    const timer = setTimeout(() => void session.close('connect timeout'), options.timeoutMs);
    try {
      await session.negotiate();
      await session.connected();
      return session;
    } catch (error) {
      await session.close('connect failed');
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  onFeedback(listener: (f: WhipFeedback) => void): void {
    this.feedbackListeners.push(listener);
  }

  /** The source restarted (a new SSRC): how long the stream had no packets, ms. */
  onSourceSwitch(listener: (kind: WhipMediaKind, gapMs: number) => void): void {
    this.switchListeners.push(listener);
  }

  /** The receiver asked for a video keyframe (PLI or FIR): a viewer joined or lost the picture. */
  onKeyframeRequest(listener: () => void): void {
    this.keyframeRequestListeners.push(listener);
  }

  /** A video keyframe went out (its first packet). */
  onKeyframeSent(listener: () => void): void {
    this.keyframeSentListeners.push(listener);
  }

  /** The session ended (ICE failed, the server closed it, or close()); fires once. */
  onClosed(listener: (reason: string) => void): void {
    this.closeListeners.push(listener);
  }

  get isOpen(): boolean {
    return !this.closed && this.pc.connectionState === 'connected';
  }

  /**
   * Sends one RTP packet (a datagram as the source wrote it). A new source SSRC (the source restarted) re-bases the
   * outgoing sequence numbers and timestamps so the receiver sees one continuous stream, the timestamp advanced by the
   * wall time since the previous packet.
   */
  sendRtp(kind: WhipMediaKind, datagram: Buffer): void {
    const state = this.sending.get(kind);
    if (!state || !this.isOpen || datagram.length < 12) return;
    let packet: RtpPacket;
    try {
      packet = RtpPacket.deSerialize(datagram);
    } catch {
      return;
    }
    const now = Date.now();
    if (state.sourceSsrc !== packet.header.ssrc) {
      if (state.sourceSsrc !== undefined && state.lastSentAtMs !== undefined) {
        const gapMs = now - state.lastSentAtMs;
        state.sender.replaceRTP(packet.header, false, Math.max(1, Math.round((gapMs * state.clockRate) / 1000)));
        for (const listener of this.switchListeners) listener(kind, gapMs);
      }
      state.sourceSsrc = packet.header.ssrc;
    }
    state.lastSentAtMs = now;
    state.sentSinceReport++;
    if (kind === 'video' && this.keyframeSentListeners.length > 0 && isKeyframeStart('video/h264', packet.payload)) {
      for (const listener of this.keyframeSentListeners) listener();
    }
    this.packetsSent++;
    if (state.transceiver) {
      state.absSendTimeId ??= absSendTimeExtensionId(state.transceiver) ?? null;
      // werift keeps an extension the packet carries: ours has the correct send time (its own is truncated).
      if (state.absSendTimeId !== null) packet.header.extensions = [{ id: state.absSendTimeId, payload: absSendTimeNow() }];
    }
    void state.sender.sendRtp(packet).catch(() => undefined);
  }

  /** DELETEs the WHIP resource (best effort) and closes the peer. */
  async close(reason = 'closed'): Promise<void> {
    if (this.closed) return;
    this.emitClosed(reason);
    const resource = this.resource;
    this.resource = undefined;
    if (resource) {
      await fetch(resource, { method: 'DELETE', headers: { authorization: `Bearer ${this.options.token}` }, signal: AbortSignal.timeout(2000) }).catch(
        () => undefined,
      );
    }
    await this.pc.close().catch(() => undefined);
  }

  private emitClosed(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.closeListeners.splice(0)) listener(reason);
  }

  private async negotiate(): Promise<void> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await this.gathered();
    const offer = this.pc.localDescription?.sdp;
    if (!offer) throw new Error('WHIP: no local offer');
    const res = await fetch(this.options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', authorization: `Bearer ${this.options.token}` },
      body: offer,
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    const body = await res.text();
    if (res.status !== 201) throw new WhipHttpError(res.status, `WHIP POST answered ${res.status}: ${body.slice(0, 200)}`);
    const location = res.headers.get('location');
    if (location) this.resource = new URL(location, this.options.url).toString();
    if (this.closed) throw new Error('WHIP: closed while negotiating');
    await this.pc.setRemoteDescription({ type: 'answer', sdp: body });
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

  private connected(): Promise<void> {
    if (this.pc.connectionState === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('WHIP: closed before connecting'));
      const { unSubscribe } = this.pc.connectionStateChange.subscribe((state) => {
        if (state === 'connected') {
          unSubscribe();
          resolve();
        } else if (state === 'failed' || state === 'closed') {
          unSubscribe();
          reject(new Error(`WHIP: ICE/DTLS ${state}`));
        }
      });
      this.onClosed((reason) => {
        unSubscribe();
        reject(new Error(`WHIP: ${reason}`));
      });
    });
  }

  private onRtcp(kind: WhipMediaKind, sender: RTCRtpSender, packet: RtcpPacket): void {
    if (kind === 'video' && isKeyframeRequest(packet, sender.ssrc)) for (const listener of this.keyframeRequestListeners) listener();
    const feedback = rtcpFeedback(packet, sender.ssrc, ntpNow());
    if (!feedback) return;
    const state = this.sending.get(kind);
    if (state && feedback.fractionLost !== undefined) {
      // An RR's loss is what is still missing after retransmission (NACK): with NACK working it stays near 0 on a
      // lossy link. The link's own loss is the share of packets the receiver asked for again since the last report.
      // Too few packets since the last report (a source restart) say nothing reliable.
      if (state.sentSinceReport >= 20) {
        feedback.nackLoss = Math.min(1, state.nackedSinceReport.size / state.sentSinceReport);
        feedback.fractionLost = Math.max(feedback.fractionLost, feedback.nackLoss);
      }
      state.sentSinceReport = 0;
      state.nackedSinceReport.clear();
    }
    for (const listener of this.feedbackListeners) listener({ kind, ...feedback });
  }
}

/** A PLI for `ssrc`, or a FIR (RFC 4585 §6.3.1, RFC 5104 §4.3.1: payload-specific feedback, FMT 1 and 4). */
export function isKeyframeRequest(packet: RtcpPacket, ssrc: number): boolean {
  if (!(packet instanceof RtcpPayloadSpecificFeedback)) return false;
  const feedback = packet.feedback;
  if (feedback instanceof PictureLossIndication) return feedback.mediaSsrc === ssrc;
  // werift exports no FIR class; its FMT is its count.
  return !(feedback instanceof ReceiverEstimatedMaxBitrate) && feedback.count === FIR_FMT;
}

/**
 * What one RTCP packet says about our stream `ssrc`: the loss fraction and RTT of its report block (RTT = arrival −
 * LSR − DLSR in compact NTP, RFC 3550 §6.4.1, so no record of sent SRs is needed) or a REMB estimate covering it.
 */
export function rtcpFeedback(packet: RtcpPacket, ssrc: number, nowNtp: bigint): Omit<WhipFeedback, 'kind'> | undefined {
  if (packet instanceof RtcpRrPacket || packet instanceof RtcpSrPacket) {
    const report = packet.reports.find((r) => r.ssrc === ssrc);
    if (!report) return undefined;
    const out: Omit<WhipFeedback, 'kind'> = { fractionLost: report.fractionLost / 256 };
    if (report.lsr !== 0) {
      const arrival = Number((nowNtp >> 16n) & 0xffffffffn);
      const rtt = (arrival - report.lsr - report.dlsr) >>> 0;
      const rttMs = (rtt / 65536) * 1000;
      if (rttMs < 60_000) out.rttMs = rttMs;
    }
    return out;
  }
  if (packet instanceof RtcpPayloadSpecificFeedback && packet.feedback instanceof ReceiverEstimatedMaxBitrate) {
    const remb = packet.feedback;
    if (remb.ssrcFeedbacks.length > 0 && !remb.ssrcFeedbacks.includes(ssrc)) return undefined;
    return { estimateKbps: Number(remb.bitrate) / 1000 };
  }
  return undefined;
}
