import { isIP } from 'node:net';
import type { Socket } from 'node:dgram';
import { ProtectionProfileAeadAes128Gcm, RTP_EXTENSION_URI, RtpPacket, type RTCRtpSender } from 'werift';
import { encodeRtpHeader, type RtpHeaderExtensionElement } from '@mediaplane/codecs';
import { SrtpGcmSealer } from './srtp-gcm-sealer';

/**
 * What werift 0.25's RTCRtpSender keeps per sender (private fields there)
 * that forwarding reads and must keep up to date: its sequence and timestamp
 * rewriting, the figures of its Sender Reports, and the history its NACK
 * handling retransmits from.
 */
interface SenderState {
  stopped: boolean;
  ssrc: number;
  codec?: { payloadType: number };
  mid?: string;
  rtpStreamId?: string;
  repairedRtpStreamId?: string;
  headerExtensions: readonly { uri: string; id: number }[];
  redRedundantPayloadType?: number;
  pendingRtpEnabled: boolean;
  sequenceNumber?: number;
  timestamp?: number;
  seqOffset: number;
  timestampOffset: number;
  rtpContinuityPending: boolean;
  pendingTimestampStep: number;
  ntpTimestamp: bigint;
  rtpTimestamp: number;
  octetCount: number;
  packetCount: number;
  headerBytesSent: number;
  rtpCache: unknown[];
  rtcpRunning: boolean;
  runRtcp(): Promise<void>;
  dtlsTransport?: DtlsState;
}

interface DtlsState {
  state: string;
  bytesSent: number;
  packetsSent: number;
  srtp?: { encrypt(payload: Buffer, header: EncryptableHeader): Buffer; localContext?: SrtpContextState };
  iceTransport?: { connection?: IceConnectionState };
}

/** werift's outbound SRTP context: the negotiated profile, its session keys and the rollover state per SSRC. */
interface SrtpContextState {
  profile: number;
  cipher?: { srtpSessionKey?: Buffer; srtpSessionSalt?: Buffer };
  getSrtpSsrcState(ssrc: number): { rolloverCounter: number };
  updateRolloverCount(sequenceNumber: number, state: { rolloverCounter: number }): void;
}

interface IceConnectionState {
  nominated?: CandidatePairState;
  canSendApplicationData(): boolean;
  send(data: Buffer): Promise<void>;
}

interface CandidatePairState {
  remoteAddr: readonly [string, number];
  packetsSent: number;
  bytesSent: number;
  protocol: { transport?: { type?: string; closed?: boolean; socket?: Socket } };
}

/** What werift's SRTP ciphers read of a header: they encrypt behind its serialized bytes. */
interface EncryptableHeader {
  ssrc: number;
  sequenceNumber: number;
  serializeSize: number;
  serialize(size: number): Buffer;
}

/** werift 0.25's RTP_HISTORY_SIZE: its NACK handling looks a sequence number up at `seq % 128`. */
const RTP_HISTORY_SIZE = 128;
/** The extensions forwarding writes itself; a sender with any other negotiated takes werift's own way. */
const FORWARDED_EXTENSIONS = new Set<string>([RTP_EXTENSION_URI.sdesMid, RTP_EXTENSION_URI.absSendTime]);
const NTP_SET_BY_CLOCK = 0n;

/** What a negotiation decided for forwarding, read once per extension list (werift replaces the list when it negotiates). */
interface NegotiatedExtensions {
  list: SenderState['headerExtensions'];
  /** Only extensions forwarding writes itself were negotiated. */
  forwardable: boolean;
  midId?: number;
  absSendTimeId?: number;
}

/**
 * A packet kept for NACKs: werift's retransmission reads `header` and
 * `payload` of an RtpPacket, which is only built if a viewer asks for it
 * (most are never asked for).
 */
class RetransmittablePacket {
  private packet?: RtpPacket;

  constructor(
    private readonly headerBytes: Buffer,
    private readonly body: Buffer,
  ) {}

  get header(): RtpPacket['header'] {
    return this.parsed().header;
  }

  get payload(): Buffer {
    return this.parsed().payload;
  }

  private parsed(): RtpPacket {
    this.packet ??= RtpPacket.deSerialize(Buffer.concat([this.headerBytes, this.body]));
    return this.packet;
  }
}

/**
 * Forwards RTP to one viewer on a werift RTCRtpSender, doing per packet what
 * werift's `sendRtp` does for an SFU's forwarded packet, without its cost.
 * werift re-parses and clones every packet into new objects, computes a
 * clock reading from a string, and passes the packet down six async
 * functions to the UDP socket; per viewer and packet that was half of the
 * engine's CPU besides the send system call and the cipher (CPU profile of
 * `sfu-fanout` on werift). Here the packet is written once as bytes, sealed
 * with the sender's own SRTP session (so its rollover state and keys are
 * werift's), and sent on the ICE pair's socket; the sender's sequence and
 * timestamp rewriting, Sender Report figures and NACK history are kept as
 * werift keeps them, so its RTCP, retransmissions and layer switches
 * (`replaceRTP`) work unchanged.
 *
 * Only for what the SFU negotiates: mid and abs-send-time extensions, no
 * RED, no pending queue, no sender simulcast. `send` returns false for a
 * sender outside that, and the caller uses werift's `sendRtp`.
 */
export class WeriftForwardingSender {
  private midData?: { mid: string; data: Buffer };
  private negotiated?: NegotiatedExtensions;
  /** AES-GCM sealing with the session's keys, made once per werift SRTP context (undefined for other profiles). */
  private gcm?: { context: SrtpContextState; sealer: SrtpGcmSealer | undefined };
  private checkedPair?: CandidatePairState;
  private pairIsUdpWithIp = false;

  private constructor(private readonly state: SenderState) {}

  /**
   * For a sender whose `ntpTimestamp` is set by a report clock
   * (correctSenderReportClock): the forwarded packet's time is taken from
   * there. Undefined when the sender is not werift 0.25's shape.
   */
  static of(sender: RTCRtpSender): WeriftForwardingSender | undefined {
    const state = sender as unknown as Partial<SenderState>;
    const ntp = Object.getOwnPropertyDescriptor(sender, 'ntpTimestamp');
    const shaped =
      typeof state.seqOffset === 'number' &&
      typeof state.timestampOffset === 'number' &&
      typeof state.rtpContinuityPending === 'boolean' &&
      typeof state.pendingTimestampStep === 'number' &&
      typeof state.octetCount === 'number' &&
      typeof state.packetCount === 'number' &&
      typeof state.headerBytesSent === 'number' &&
      Array.isArray(state.rtpCache) &&
      Array.isArray(state.headerExtensions) &&
      typeof state.runRtcp === 'function' &&
      typeof ntp?.set === 'function';
    return shaped ? new WeriftForwardingSender(state as SenderState) : undefined;
  }

  /**
   * Sends `packet` (the producer's, not changed) with the given abs-send-time
   * data. True when it was sent, or dropped as werift would drop it (not
   * connected yet, stopped, no consent); false when this sender needs
   * werift's own path.
   */
  send(packet: RtpPacket, absSendTime: Buffer | undefined): boolean {
    const s = this.state;
    if (s.redRedundantPayloadType !== undefined || s.pendingRtpEnabled || s.rtpStreamId !== undefined || s.repairedRtpStreamId !== undefined) return false;
    const negotiated = this.negotiatedExtensions();
    if (!negotiated.forwardable) return false;
    const dtls = s.dtlsTransport;
    if (s.stopped || !s.codec || dtls?.state !== 'connected' || !dtls.srtp) return true;
    const connection = dtls.iceTransport?.connection;
    if (!connection) return true;

    const { header, payload } = packet;
    if (s.rtpContinuityPending) {
      // As werift's replaceRTP asks: the next packet follows the last one sent, whatever its own numbering.
      if (s.sequenceNumber !== undefined && s.timestamp !== undefined) {
        s.seqOffset = (s.sequenceNumber + 1 - header.sequenceNumber) & 0xffff;
        s.timestampOffset = (s.timestamp + s.pendingTimestampStep - header.timestamp) >>> 0;
      }
      s.rtpContinuityPending = false;
      s.pendingTimestampStep = 1;
    }
    const sequenceNumber = (header.sequenceNumber + s.seqOffset) & 0xffff;
    const timestamp = (header.timestamp + s.timestampOffset) >>> 0;
    const rtpHeader = encodeRtpHeader({
      payloadType: s.codec.payloadType,
      marker: header.marker,
      sequenceNumber,
      timestamp,
      ssrc: s.ssrc,
      extensions: this.extensions(negotiated, absSendTime),
    });

    s.sequenceNumber = sequenceNumber;
    s.timestamp = timestamp;
    // The report clock's setter records the packet's capture time (or now); the value assigned is not used.
    s.ntpTimestamp = NTP_SET_BY_CLOCK;
    s.rtpTimestamp = timestamp;
    s.octetCount += payload.length;
    s.headerBytesSent += rtpHeader.length;
    s.packetCount = (s.packetCount + 1) >>> 0;
    s.rtpCache[sequenceNumber % RTP_HISTORY_SIZE] = new RetransmittablePacket(rtpHeader, payload);
    if (!s.rtcpRunning) void s.runRtcp();

    let sealed: Buffer[];
    try {
      sealed = this.seal(dtls.srtp, rtpHeader, payload, sequenceNumber);
    } catch {
      return true; // werift drops a packet it cannot seal the same way
    }
    for (const part of sealed) dtls.bytesSent += part.length;
    dtls.packetsSent++;
    this.sendOnPair(connection, sealed);
    return true;
  }

  /**
   * The SRTP packet in parts. AES-GCM (what werift and Chromium agree on) is
   * sealed here with werift's session key and rollover state, without its
   * per-packet IV writer and joined copy; other profiles by werift.
   */
  private seal(srtp: NonNullable<DtlsState['srtp']>, rtpHeader: Buffer, payload: Buffer, sequenceNumber: number): Buffer[] {
    const context = srtp.localContext;
    if (context && this.gcm?.context !== context) this.gcm = { context, sealer: gcmSealerFor(context) };
    const sealer = this.gcm?.sealer;
    if (!context || !sealer)
      return [srtp.encrypt(payload, { ssrc: this.state.ssrc, sequenceNumber, serializeSize: rtpHeader.length, serialize: () => rtpHeader })];
    const rollover = context.getSrtpSsrcState(this.state.ssrc);
    context.updateRolloverCount(sequenceNumber, rollover);
    return sealer.seal(rtpHeader, payload, this.state.ssrc, sequenceNumber, rollover.rolloverCounter);
  }

  private negotiatedExtensions(): NegotiatedExtensions {
    const list = this.state.headerExtensions;
    if (this.negotiated?.list !== list) {
      this.negotiated = {
        list,
        forwardable: list.every((e) => FORWARDED_EXTENSIONS.has(e.uri)),
        midId: list.find((e) => e.uri === RTP_EXTENSION_URI.sdesMid)?.id,
        absSendTimeId: list.find((e) => e.uri === RTP_EXTENSION_URI.absSendTime)?.id,
      };
    }
    return this.negotiated;
  }

  /** mid and abs-send-time, in id order. */
  private extensions({ midId, absSendTimeId }: NegotiatedExtensions, absSendTime: Buffer | undefined): RtpHeaderExtensionElement[] {
    const mid = midId !== undefined && this.state.mid !== undefined ? { id: midId, data: this.midBytes(this.state.mid) } : undefined;
    const sent = absSendTimeId !== undefined && absSendTime ? { id: absSendTimeId, data: absSendTime } : undefined;
    if (!mid || !sent) return mid ? [mid] : sent ? [sent] : [];
    return mid.id < sent.id ? [mid, sent] : [sent, mid];
  }

  private midBytes(mid: string): Buffer {
    if (this.midData?.mid !== mid) this.midData = { mid, data: Buffer.from(mid) };
    return this.midData.data;
  }

  /** On the nominated pair's UDP socket, as werift's ICE connection sends, minus its promise chain. */
  private sendOnPair(connection: IceConnectionState, sealed: Buffer[]): void {
    if (!connection.canSendApplicationData()) return;
    const pair = connection.nominated;
    if (!pair) return;
    if (pair !== this.checkedPair) {
      this.checkedPair = pair;
      this.pairIsUdpWithIp = pair.protocol.transport?.type === 'udp' && isIP(pair.remoteAddr[0]) !== 0;
    }
    const transport = pair.protocol.transport;
    if (!this.pairIsUdpWithIp || !transport?.socket) {
      void connection.send(Buffer.concat(sealed)).catch(() => undefined);
      return;
    }
    if (transport.closed) return;
    transport.socket.send(sealed, pair.remoteAddr[1], pair.remoteAddr[0]);
    pair.packetsSent++;
    for (const part of sealed) pair.bytesSent += part.length;
  }
}

function gcmSealerFor(context: SrtpContextState): SrtpGcmSealer | undefined {
  const key = context.cipher?.srtpSessionKey;
  const salt = context.cipher?.srtpSessionSalt;
  if (context.profile !== ProtectionProfileAeadAes128Gcm || !key || !salt) return undefined;
  return new SrtpGcmSealer(key, salt);
}
