import { randomUUID } from 'node:crypto';
import type { RTCPeerConnection, RTCRtpCodecParameters, RTCRtpTransceiver } from 'werift';
import {
  RTC_DATA_CHANNEL_LABEL,
  RTC_DATA_CHANNEL_STREAM_ID,
  RtcNegotiationError,
  type PlainRtpTarget,
  type RtcPlainRtpOutput,
  RtcUnsupportedError,
  type RtcPlainRtpReceiveResult,
  type MediaKind,
  type RtcPeerOptions,
  type RtcProducer,
  type RtcReceiveResult,
  type RtcRouter,
  type RtcSendResult,
} from '../rtc-engine';
import { inspectOffer, receives, sends, type OfferSection } from './sdp-offer-inspection';
import { routedMimeType } from './werift-codecs';
import { WeriftConsumer } from './werift-consumer';
import { WeriftDataChannel } from './werift-data-channel';
import { WeriftPeer } from './werift-peer';
import { WeriftPlainRtpOutput } from './werift-plain-rtp-out';
import { WeriftProducer } from './werift-producer';
import { PublisherClock } from './capture-clock';
import type { WeriftRegistry } from './werift-registry';
import { MediaStreamIds } from '../media-stream-id';

export interface WeriftPeerFactory {
  /** A peer connection bound to the engine's address and ports, offering the routed codecs. */
  create(): RTCPeerConnection;
  /**
   * Runs candidate gathering (which binds the ICE socket) one peer at a time:
   * werift picks a port in the range by probing and closing, then binds, so
   * two peers gathering at once can pick the same port and one of them fails.
   */
  bindSerially<T>(gather: () => Promise<T>): Promise<T>;
}

/** Host candidates only (no STUN/TURN): binding one socket takes milliseconds, this is a safety net. */
const GATHER_TIMEOUT_MS = 10_000;

const ROUTED = new Set(['audio/opus', 'video/vp8', 'video/h264']);

/** Joins producers with consumers for one stream or room. */
export class WeriftRouter implements RtcRouter {
  readonly id = randomUUID();
  private readonly peers = new Set<WeriftPeer>();
  private _closed = false;

  constructor(
    readonly label: string,
    private readonly peerFactory: WeriftPeerFactory,
    private readonly registry: WeriftRegistry,
  ) {
    registry.routers.add(this);
  }

  get closed(): boolean {
    return this._closed;
  }

  async receive(offerSdp: string, options: RtcPeerOptions): Promise<RtcReceiveResult> {
    this.assertOpen();
    const sections = inspectOffer(offerSdp);
    const usable = sections.filter((s) => (s.type === 'audio' || s.type === 'video') && sends(s) && s.codecs.some((c) => ROUTED.has(c)));
    if (usable.length === 0) {
      throw new RtcNegotiationError('the offer sends no audio or video the SFU routes (Opus, VP8, H.264 packetization-mode 1)');
    }
    const peer = this.addPeer(this.peerFactory.create(), options);
    try {
      await peer.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
      const entries: { transceiver: RTCRtpTransceiver; section: OfferSection }[] = [];
      for (const transceiver of peer.pc.getTransceivers()) {
        const section = usable.find((s) => s.mid !== undefined && s.mid === transceiver.mid);
        if (!section) {
          transceiver.setDirection('inactive');
          continue;
        }
        transceiver.setDirection('recvonly');
        const codec = transceiver.codecs.find((c) => routedMimeType(c));
        // One codec per producer, so every consumer knows what it forwards.
        if (codec) transceiver.setCodecPreferences([codec]);
        entries.push({ transceiver, section });
      }
      this.openDataChannel(peer, sections, options);
      const answerSdp = await this.answer(peer);
      const publisherClock = new PublisherClock();
      for (const { transceiver, section } of entries) {
        const codec = transceiver.codecs.find((c) => routedMimeType(c));
        if (!codec || transceiver.stopped) continue;
        const producer = new WeriftProducer(
          section.type as MediaKind,
          routedMimeType(codec)!,
          codec,
          transceiver,
          section.sendRids,
          this.registry,
          publisherClock,
          peer.id,
        );
        peer.producers.push(producer);
      }
      if (peer.producers.length === 0) {
        throw new RtcNegotiationError('no offered audio or video codec could be negotiated (Opus, VP8, H.264 packetization-mode 1)');
      }
      return { answerSdp, peer, producers: [...peer.producers] };
    } catch (error) {
      peer.close();
      throw toNegotiationError(error);
    }
  }

  async send(offerSdp: string, producers: readonly RtcProducer[], options: RtcPeerOptions): Promise<RtcSendResult> {
    this.assertOpen();
    const sections = inspectOffer(offerSdp);
    const available = producers.filter((p): p is WeriftProducer => p instanceof WeriftProducer && !p.closed);
    if (available.length !== producers.filter((p) => !p.closed).length) {
      throw new RtcNegotiationError('producers of another engine cannot be consumed by werift');
    }
    const used = new Set<WeriftProducer>();
    const assignment = new Map<OfferSection, WeriftProducer>();
    for (const section of sections) {
      if ((section.type !== 'audio' && section.type !== 'video') || !receives(section)) continue;
      const producer = available.find((p) => !used.has(p) && p.kind === section.type && section.codecs.includes(p.mimeType.toLowerCase()));
      if (!producer) continue;
      used.add(producer);
      assignment.set(section, producer);
    }
    if (assignment.size === 0) throw new RtcNegotiationError('no receive section of the offer matches a producer of this stream');
    const peer = this.addPeer(this.peerFactory.create(), options);
    try {
      await peer.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
      const entries: { transceiver: RTCRtpTransceiver; producer: WeriftProducer }[] = [];
      const streamIds = new MediaStreamIds(options);
      for (const transceiver of peer.pc.getTransceivers()) {
        const section = [...assignment.keys()].find((s) => s.mid !== undefined && s.mid === transceiver.mid);
        const producer = section && assignment.get(section);
        const codec = producer && transceiver.codecs.find((c) => sameCodec(c, producer.codec));
        if (!producer || !codec) {
          transceiver.setDirection('inactive');
          continue;
        }
        transceiver.setDirection('sendonly');
        transceiver.setCodecPreferences([codec]);
        transceiver.sender.streamId = streamIds.of(producer, transceiver.sender.trackId);
        entries.push({ transceiver, producer });
      }
      this.openDataChannel(peer, sections, options);
      const answerSdp = await this.answer(peer);
      for (const { transceiver, producer } of entries) {
        if (transceiver.stopped || producer.closed) continue;
        // No keyframe request yet: the consumer asks when the viewer is connected (what arrives before is
        // dropped), and an early request would only hold that one back (see KEYFRAME_REQUEST_INTERVAL_MS).
        peer.consumers.push(new WeriftConsumer(producer, transceiver, this.registry));
      }
      if (peer.consumers.length === 0) throw new RtcNegotiationError('no receive section could be negotiated with a producer codec');
      return { answerSdp, peer, consumers: [...peer.consumers] };
    } catch (error) {
      peer.close();
      throw toNegotiationError(error);
    }
  }

  private addPeer(pc: RTCPeerConnection, options: RtcPeerOptions): WeriftPeer {
    const peer = new WeriftPeer(pc, options.label, this.registry);
    this.peers.add(peer);
    peer.once('closed', () => this.peers.delete(peer));
    return peer;
  }

  private openDataChannel(peer: WeriftPeer, sections: OfferSection[], options: RtcPeerOptions): void {
    if (!options.enableDataChannel || !sections.some((s) => s.type === 'application' && !s.rejected)) return;
    const channel = peer.pc.createDataChannel(RTC_DATA_CHANNEL_LABEL, { negotiated: true, id: RTC_DATA_CHANNEL_STREAM_ID });
    peer.dataChannel = new WeriftDataChannel(channel, this.registry);
  }

  /** Answers with every local candidate in the SDP: WHIP/WHEP clients get one answer and need no trickle from us. */
  private async answer(peer: WeriftPeer): Promise<string> {
    const answer = await peer.pc.createAnswer();
    await this.peerFactory.bindSerially(async () => {
      await peer.pc.setLocalDescription(answer);
      if (peer.pc.iceGatheringState === 'complete') return;
      // Bounded: a gathering that never completes must not hold up every later peer in the queue.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          unSubscribe();
          reject(new Error(`ICE gathering did not complete within ${GATHER_TIMEOUT_MS} ms`));
        }, GATHER_TIMEOUT_MS);
        const { unSubscribe } = peer.pc.iceGatheringStateChange.subscribe((state) => {
          if (state === 'complete') {
            clearTimeout(timer);
            unSubscribe();
            resolve();
          }
        });
      });
    });
    const sdp = peer.pc.localDescription?.sdp;
    if (!sdp) throw new RtcNegotiationError('no answer could be created');
    return sdp;
  }

  /** werift routes RTP between its own peer connections only; bridging a local RTP sender is a mediasoup feature. */
  receivePlainRtp(): Promise<RtcPlainRtpReceiveResult> {
    return Promise.reject(
      new RtcUnsupportedError('the werift engine takes no plain RTP: run the SFU with the mediasoup engine to play RTMP/SRT streams over WHEP'),
    );
  }

  private assertOpen(): void {
    if (this._closed) throw new Error(`router ${this.label} is closed`);
  }

  sendPlainRtp(producers: readonly RtcProducer[], targets: readonly PlainRtpTarget[]): Promise<RtcPlainRtpOutput> {
    this.assertOpen();
    const sources = producers.map((p) => {
      if (!(p instanceof WeriftProducer)) throw new Error('sendPlainRtp(): producers must come from the werift engine');
      return p;
    });
    return Promise.resolve(WeriftPlainRtpOutput.open(sources, targets));
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    for (const peer of [...this.peers]) peer.close();
    this.registry.routers.delete(this);
  }
}

function sameCodec(a: RTCRtpCodecParameters, b: RTCRtpCodecParameters): boolean {
  if (a.mimeType.toLowerCase() !== b.mimeType.toLowerCase()) return false;
  if (a.mimeType.toLowerCase() !== 'video/h264') return true;
  // Same profile and constraints; the level may differ (level-asymmetry-allowed).
  const profile = (c: RTCRtpCodecParameters) => /profile-level-id=([0-9a-f]{4})/i.exec(c.parameters ?? '')?.[1]?.toLowerCase();
  return profile(a) === profile(b);
}

function toNegotiationError(error: unknown): Error {
  if (error instanceof RtcNegotiationError) return error;
  return new RtcNegotiationError(`the offer could not be answered: ${(error as Error).message ?? String(error)}`);
}
