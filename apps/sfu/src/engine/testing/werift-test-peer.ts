import {
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtcpPayloadSpecificFeedback,
  RtpHeader,
  RtpPacket,
  useSdesMid,
  useSdesRTPStreamId,
  type RTCDataChannel,
  type RTCRtpTransceiver,
  type RtcpPacket,
} from 'werift';
import { isKeyframeStart } from '@mediaplane/codecs';
import { patchWeriftDuplicateHelloVerifyRequest } from '@mediaplane/media-io/werift';
import { RTC_DATA_CHANNEL_LABEL, RTC_DATA_CHANNEL_STREAM_ID, type MediaKind } from '../rtc-engine';

/**
 * A WebRTC client for engine tests, built on werift's RTCPeerConnection: it
 * publishes synthetic RTP at real-time pace (so an SFU has something to
 * forward and keyframes to find), plays and counts what arrives, and talks on
 * the SFU's data channel. It speaks real ICE/DTLS/SRTP to the engine, so a
 * test with it proves the engine against a real peer, not a mock.
 */

export type TestVideoCodec = { codec: 'VP8' } | { codec: 'H264'; profileLevelId: string };

export interface PublishOptions {
  audio?: boolean;
  video?: TestVideoCodec;
  /**
   * Simulcast rids of the video section, lowest layer first (VP8 only). Each
   * layer is its own SSRC tagged with the rid header extension, and sends a
   * keyframe every second (PLI for layer SSRCs does not reach a werift sender).
   */
  simulcastRids?: readonly string[];
  dataChannel?: boolean;
  /** Address the client's ICE socket binds to and announces (default 127.0.0.1). */
  address?: string;
}

export interface PlayOptions {
  kinds?: readonly MediaKind[];
  dataChannel?: boolean;
  address?: string;
}

export interface ReceivedCounts {
  packets: number;
  /** Sequence-number steps other than +1 (a forwarder that does not rewrite on a layer switch jumps). */
  sequenceJumps: number;
  lastSequence?: number;
  bytes: number;
  /** Video only: packets that start a keyframe. */
  keyframes: number;
  ssrcs: Set<number>;
  payloadTypes: Set<number>;
}

const OPUS = () =>
  new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111, parameters: 'minptime=10;useinbandfec=1' });

const VIDEO_FEEDBACK = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }, { type: 'goog-remb' }];

function videoCodec(video: TestVideoCodec, payloadType: number): RTCRtpCodecParameters {
  if (video.codec === 'VP8') {
    return new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, payloadType, rtcpFeedback: VIDEO_FEEDBACK });
  }
  return new RTCRtpCodecParameters({
    mimeType: 'video/H264',
    clockRate: 90000,
    payloadType,
    rtcpFeedback: VIDEO_FEEDBACK,
    parameters: `level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=${video.profileLevelId}`,
  });
}

/** Every video codec a player accepts: VP8 and both H.264 profiles the SFU routes. */
const PLAYER_VIDEO_CODECS: readonly TestVideoCodec[] = [
  { codec: 'VP8' },
  { codec: 'H264', profileLevelId: '42e01f' },
  { codec: 'H264', profileLevelId: '640032' },
];

/** Synthetic payloads: small, but shaped like the codec's real ones so keyframe detection works. */
function vp8Payload(keyframe: boolean): Buffer {
  // Payload descriptor: S=1, partition 0. Frame tag: bit 0 is 0 for a keyframe, show_frame set;
  // a keyframe carries the start code and a 640x480 size.
  const head = keyframe ? [0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01] : [0x10, 0x11, 0x02, 0x00];
  return Buffer.concat([Buffer.from(head), Buffer.alloc(keyframe ? 1000 : 400, 0x5a)]);
}

function h264Payload(keyframe: boolean): Buffer {
  // A keyframe is a STAP-A (type 24) of SPS, PPS and IDR, as browsers and OBS send it: SFUs (mediasoup
  // among them) start forwarding H.264 at an SPS, not at a bare IDR. Other frames: one non-IDR slice (type 1).
  if (!keyframe) return Buffer.concat([Buffer.from([0x41, 0x9a, 0x02]), Buffer.alloc(400, 0x5a)]);
  const sps = Buffer.from([0x67, 0x42, 0xe0, 0x1f, 0x8d, 0x68, 0x0a, 0x03, 0xda, 0x10]);
  const pps = Buffer.from([0x68, 0xce, 0x3c, 0x80]);
  const idr = Buffer.concat([Buffer.from([0x65, 0x88, 0x84]), Buffer.alloc(1000, 0x5a)]);
  const sized = (nal: Buffer) => Buffer.concat([Buffer.from([nal.length >> 8, nal.length & 0xff]), nal]);
  return Buffer.concat([Buffer.from([0x78]), sized(sps), sized(pps), sized(idr)]);
}

const OPUS_PAYLOAD = Buffer.concat([Buffer.from([0xfc]), Buffer.alloc(80, 0x33)]);

function emptyCounts(): ReceivedCounts {
  return { packets: 0, sequenceJumps: 0, bytes: 0, keyframes: 0, ssrcs: new Set(), payloadTypes: new Set() };
}

abstract class WeriftTestPeer {
  readonly pc: RTCPeerConnection;
  /** Messages received on the data channel, in order. */
  readonly messages: (string | Buffer)[] = [];
  protected channel?: RTCDataChannel;
  private offer?: string;
  protected closedByUs = false;

  protected constructor(address: string, audio: RTCRtpCodecParameters[], video: RTCRtpCodecParameters[]) {
    // The client side of DTLS may be this peer: give it the same fix as the werift engine.
    patchWeriftDuplicateHelloVerifyRequest();
    this.pc = new RTCPeerConnection({
      codecs: { audio, video },
      headerExtensions: { audio: [useSdesMid()], video: [useSdesMid(), useSdesRTPStreamId()] },
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: [address],
      iceInterfaceAddresses: { udp4: address },
      bundlePolicy: 'max-bundle',
    });
  }

  protected openDataChannel(): void {
    // The SFU's one data channel: negotiated out of band on a fixed stream id (no DCEP), so mediasoup and werift answer it alike.
    this.channel = this.pc.createDataChannel(RTC_DATA_CHANNEL_LABEL, { negotiated: true, id: RTC_DATA_CHANNEL_STREAM_ID });
    this.channel.onMessage.subscribe((data) => this.messages.push(data));
  }

  /** The offer with every host candidate in it (no trickle needed). */
  async createOffer(): Promise<string> {
    if (this.offer) return this.offer;
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    await this.gatheringComplete();
    this.offer = this.mungeOffer(this.pc.localDescription!.sdp);
    return this.offer;
  }

  protected mungeOffer(sdp: string): string {
    return sdp;
  }

  private async gatheringComplete(): Promise<void> {
    if (this.pc.iceGatheringState === 'complete') return;
    await new Promise<void>((resolve) => {
      const { unSubscribe } = this.pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') {
          unSubscribe();
          resolve();
        }
      });
    });
  }

  /** Applies the engine's answer and waits for ICE+DTLS to connect. */
  async accept(answerSdp: string, timeoutMs = 30_000): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
    await this.waitForState('connected', timeoutMs);
    this.onConnected();
  }

  protected onConnected(): void {}

  waitForState(state: 'connected' | 'closed' | 'failed', timeoutMs = 30_000): Promise<void> {
    if (this.pc.connectionState === state) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        unSubscribe();
        reject(new Error(`test peer: not ${state} after ${timeoutMs} ms (state ${this.pc.connectionState})`));
      }, timeoutMs);
      const { unSubscribe } = this.pc.connectionStateChange.subscribe((current) => {
        if (current === state || current === 'failed' || current === 'closed') {
          clearTimeout(timer);
          unSubscribe();
          if (current === state) resolve();
          else reject(new Error(`test peer: ${current} while waiting for ${state}`));
        }
      });
    });
  }

  get connectionState(): string {
    return this.pc.connectionState;
  }

  get dataChannelOpen(): boolean {
    return this.channel?.readyState === 'open';
  }

  send(data: string | Buffer): void {
    if (!this.channel) throw new Error('test peer: no data channel was offered');
    this.channel.send(data);
  }

  async close(): Promise<void> {
    this.closedByUs = true;
    this.stopMedia();
    await this.pc.close();
  }

  protected stopMedia(): void {}
}

/** Publishes audio and/or video (and optionally a data channel) to the SFU. */
export class TestPublisher extends WeriftTestPeer {
  /** PLI and FIR the SFU sent us, per kind (only video asks). */
  keyframeRequests = 0;
  /** REMB bitrates and receiver reports the SFU sent us, newest last. */
  readonly rtcpTypes: number[] = [];
  private readonly sending: { transceiver: RTCRtpTransceiver; kind: MediaKind }[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private keyframePending = true;
  private videoSeq = Math.floor(Math.random() * 65536);
  private audioSeq = Math.floor(Math.random() * 65536);
  private videoTs = Math.floor(Math.random() * 2 ** 32);
  private audioTs = Math.floor(Math.random() * 2 ** 32);
  packetsSent = { audio: 0, video: 0 };

  private constructor(private readonly options: PublishOptions) {
    super(options.address ?? '127.0.0.1', options.audio ? [OPUS()] : [], options.video ? [videoCodec(options.video, 96)] : []);
    if (options.audio) this.sending.push({ transceiver: this.pc.addTransceiver('audio', { direction: 'sendonly' }), kind: 'audio' });
    if (options.video) {
      const transceiver = this.pc.addTransceiver('video', { direction: 'sendonly' });
      transceiver.sender.onRtcp.subscribe((packet) => this.onRtcp(packet));
      this.sending.push({ transceiver, kind: 'video' });
    }
    if (options.dataChannel) this.openDataChannel();
  }

  static async create(options: PublishOptions): Promise<TestPublisher> {
    const publisher = new TestPublisher(options);
    await publisher.createOffer();
    return publisher;
  }

  private onRtcp(packet: RtcpPacket): void {
    this.rtcpTypes.push(packet.type);
    if (this.rtcpTypes.length > 1000) this.rtcpTypes.shift();
    if (packet instanceof RtcpPayloadSpecificFeedback) {
      // Feedback message type: 1 is PLI, 4 is FIR (15, REMB, is not a keyframe request).
      if (packet.feedback.count === 1 || packet.feedback.count === 4) {
        this.keyframeRequests++;
        this.keyframePending = true;
      }
    }
  }

  /** Adds the rids and a=simulcast to the video section: werift cannot offer simulcast itself. */
  protected override mungeOffer(sdp: string): string {
    const rids = this.options.simulcastRids;
    if (!rids?.length) return sdp;
    const sections = sdp.split(/(?=\r\nm=)/);
    return sections
      .map((section) => {
        if (!section.startsWith('\r\nm=video')) return section;
        const lines = rids.map((rid) => `a=rid:${rid} send`).join('\r\n');
        const last = section.endsWith('\r\n');
        return `${section.replace(/\r\n$/, '')}\r\n${lines}\r\na=simulcast:send ${rids.join(';')}${last ? '\r\n' : ''}`;
      })
      .join('');
  }

  protected override onConnected(): void {
    const rids = this.options.simulcastRids;
    if (rids?.length) {
      const video = this.sending.find((s) => s.kind === 'video');
      if (video) this.timers.push(setInterval(() => this.sendSimulcastVideo(video.transceiver, rids), 33));
      const audio = this.sending.find((s) => s.kind === 'audio');
      if (audio) this.timers.push(setInterval(() => this.sendAudio(audio.transceiver), 20));
      return;
    }
    for (const { transceiver, kind } of this.sending) {
      if (kind === 'audio') this.timers.push(setInterval(() => this.sendAudio(transceiver), 20));
      else this.timers.push(setInterval(() => this.sendVideo(transceiver), 33));
    }
  }

  private sendAudio(transceiver: RTCRtpTransceiver): void {
    this.audioSeq = (this.audioSeq + 1) & 0xffff;
    this.audioTs = (this.audioTs + 960) >>> 0;
    const header = new RtpHeader({ payloadType: 111, sequenceNumber: this.audioSeq, timestamp: this.audioTs, marker: true });
    this.packetsSent.audio++;
    void transceiver.sender.sendRtp(new RtpPacket(header, OPUS_PAYLOAD)).catch(() => undefined);
  }

  private sendVideo(transceiver: RTCRtpTransceiver): void {
    const keyframe = this.keyframePending;
    this.keyframePending = false;
    this.videoSeq = (this.videoSeq + 1) & 0xffff;
    this.videoTs = (this.videoTs + 3000) >>> 0;
    const payload = this.options.video?.codec === 'H264' ? h264Payload(keyframe) : vp8Payload(keyframe);
    const header = new RtpHeader({ payloadType: 96, sequenceNumber: this.videoSeq, timestamp: this.videoTs, marker: true });
    this.packetsSent.video++;
    void transceiver.sender.sendRtp(new RtpPacket(header, payload)).catch(() => undefined);
  }

  private readonly layerSsrcs = new Map<string, number>();
  private simulcastFrames = 0;

  private sendSimulcastVideo(transceiver: RTCRtpTransceiver, rids: readonly string[]): void {
    // The ids the SFU's answer agreed to (werift's extIdUriMap is not filled for a sender).
    const answer = this.pc.remoteDescription?.sdp ?? '';
    const extensionId = (uri: string) => Number(new RegExp(`a=extmap:(\\d+)(?:/\\w+)? ${uri.replace(/[.:]/g, '\\$&')}`).exec(answer)?.[1]);
    const midId = extensionId(useSdesMid().uri);
    const ridId = extensionId(useSdesRTPStreamId().uri);
    if (!midId || !ridId || !transceiver.mid) return;
    const keyframe = this.simulcastFrames++ % 30 === 0;
    this.videoSeq = (this.videoSeq + 1) & 0xffff;
    this.videoTs = (this.videoTs + 3000) >>> 0;
    rids.forEach((rid, layer) => {
      let ssrc = this.layerSsrcs.get(rid);
      if (ssrc === undefined) {
        ssrc = (Math.random() * 2 ** 32) >>> 0;
        this.layerSsrcs.set(rid, ssrc);
      }
      const header = new RtpHeader({
        payloadType: 96,
        sequenceNumber: (this.videoSeq + layer * 10_000) & 0xffff,
        timestamp: (this.videoTs + layer * 1_000_000) >>> 0,
        ssrc,
        marker: true,
        extensions: [
          { id: midId, payload: Buffer.from(transceiver.mid!) },
          { id: ridId, payload: Buffer.from(rid) },
        ],
      });
      // Higher layers are bigger, as a real encoder's are.
      const payload = Buffer.concat([vp8Payload(keyframe), Buffer.alloc(layer * 600, 0x5a)]);
      this.packetsSent.video++;
      void transceiver.sender.dtlsTransport.sendRtp(payload, header).catch(() => undefined);
    });
  }

  protected override stopMedia(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
  }
}

/** Receives what the SFU forwards and counts it per kind. */
export class TestPlayer extends WeriftTestPeer {
  readonly received: Record<MediaKind, ReceivedCounts> = { audio: emptyCounts(), video: emptyCounts() };

  private constructor(options: PlayOptions) {
    const kinds = options.kinds ?? ['audio', 'video'];
    super(
      options.address ?? '127.0.0.1',
      [OPUS()],
      PLAYER_VIDEO_CODECS.map((codec, index) => videoCodec(codec, 96 + index * 2)),
    );
    for (const kind of kinds) {
      const transceiver = this.pc.addTransceiver(kind, { direction: 'recvonly' });
      transceiver.onTrack.subscribe((track) => {
        track.onReceiveRtp.subscribe((rtp) => this.count(kind, rtp));
      });
    }
    if (options.dataChannel) this.openDataChannel();
  }

  static async create(options: PlayOptions = {}): Promise<TestPlayer> {
    const player = new TestPlayer(options);
    await player.createOffer();
    return player;
  }

  private count(kind: MediaKind, rtp: RtpPacket): void {
    const counts = this.received[kind];
    counts.packets++;
    counts.bytes += rtp.payload.length;
    const sequence = rtp.header.sequenceNumber;
    if (counts.lastSequence !== undefined && sequence !== ((counts.lastSequence + 1) & 0xffff)) counts.sequenceJumps++;
    counts.lastSequence = sequence;
    counts.ssrcs.add(rtp.header.ssrc);
    counts.payloadTypes.add(rtp.header.payloadType);
    if (kind === 'video') {
      const codec = this.pc
        .getTransceivers()
        .find((t) => t.kind === 'video')
        ?.codecs.find((c) => c.payloadType === rtp.header.payloadType);
      if (codec && isKeyframeStart(codec.mimeType, rtp.payload)) counts.keyframes++;
    }
  }
}
