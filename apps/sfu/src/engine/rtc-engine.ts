import type { EventEmitter } from 'node:events';

/**
 * The SFU's media engine, one interface for two implementations:
 * mediasoup (the production engine: a C++ worker per core) and werift (pure
 * TypeScript, used where no mediasoup worker exists). Everything above this
 * file (WHIP, WHEP, rooms, the bridge) speaks only these types, so one
 * contract test suite (rtc-engine.contract.ts) proves both engines.
 *
 * The interface speaks SDP at the edges (offers in, answers out) because
 * every client of the SFU does: WHIP and WHEP are offer/answer over HTTP, and
 * room peers are browsers. Inside, an engine keeps its own model (mediasoup's
 * ORTC parameters, werift's peer connections).
 */

export type RtcEngineName = 'mediasoup' | 'werift';
export type MediaKind = 'audio' | 'video';
export type RtcConnectionState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

/** Codecs the SFU routes; H.264 is packetization-mode 1, constrained baseline (42e01f) and high (640032/64001f…). */
export type RtcMimeType = 'audio/opus' | 'video/VP8' | 'video/H264';

export interface RtcEngineOptions {
  /** Address the RTC sockets bind to. */
  listenIp: string;
  /** Address written into ICE candidates (the public or pod address); defaults to listenIp. */
  announcedAddress?: string;
  /** UDP/TCP port range for ICE (PLATFORM.md: 40000–40999). */
  rtcMinPort: number;
  rtcMaxPort: number;
  /** Worker processes (mediasoup); 0 = one per core. */
  workers?: number;
  /** Log sink for engine-level events (worker died, router re-homed …). */
  log?: (level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string) => void;
}

export interface RtcEngineStats {
  workers: number;
  routers: number;
  peers: number;
  producers: number;
  consumers: number;
  dataChannels: number;
}

export interface RtcEngine {
  readonly name: RtcEngineName;
  /** A router joins producers with their consumers; one per stream or room. */
  createRouter(label: string): Promise<RtcRouter>;
  stats(): RtcEngineStats;
  close(): Promise<void>;
}

export interface RtcPeerOptions {
  /** For logs and stats only (stream id, room/participant id); never a secret. */
  label: string;
  /** Accept a data channel section (m=application) in the offer. */
  enableDataChannel?: boolean;
  /** Ceiling on what this peer may send us, in bits per second. */
  maxIncomingBitrate?: number;
  /**
   * send() only. true (the default): the audio and video of each source sent to this peer share
   * one media stream (`a=msid`), so the browser plays them in lip sync, holding the picture back
   * until the sound can play with it. false: each track gets a stream of its own, and the browser
   * shows every frame as soon as it is decoded (the lowest latency, at the cost of the sound
   * trailing the picture by however much longer the audio path is). WHEP's `?lipsync=false`.
   */
  lipSync?: boolean;
}

export interface RtcReceiveResult {
  answerSdp: string;
  peer: RtcPeer;
  /** One per audio/video section that sends to us, in section order. */
  producers: RtcProducer[];
}

export interface RtcSendResult {
  answerSdp: string;
  peer: RtcPeer;
  /** One per matched receive section, in section order. */
  consumers: RtcConsumer[];
}

export interface RtcRouter {
  readonly id: string;
  readonly label: string;
  /**
   * Answers an offer whose audio/video sections send media to the SFU (WHIP,
   * a room participant publishing). Each sending section becomes a producer;
   * a section offering simulcast (a=simulcast, rids) becomes one producer with
   * several layers. Throws RtcNegotiationError when nothing usable is offered.
   */
  receive(offerSdp: string, options: RtcPeerOptions): Promise<RtcReceiveResult>;
  /**
   * Answers an offer whose sections receive media (WHEP, a room participant
   * subscribing): each receive section, in order, consumes the next unused
   * producer of its kind; sections without a producer are rejected. A keyframe
   * is requested from every video producer consumed.
   */
  send(offerSdp: string, producers: readonly RtcProducer[], options: RtcPeerOptions): Promise<RtcSendResult>;
  /**
   * Sends each producer's RTP, unencrypted, to a local UDP port (RTCP to the
   * port after it), for a process such as FFmpeg to read (the ingest bridge).
   * Throws RtcUnsupportedError on engines without plain RTP.
   */
  sendPlainRtp(producers: readonly RtcProducer[], targets: readonly PlainRtpTarget[]): Promise<RtcPlainRtpOutput>;
  /**
   * Producers fed by plain RTP from a process on this host (the RTMP → WebRTC
   * bridge's FFmpeg): a loopback UDP port per source for RTP and one for
   * RTCP, the sender's addresses learnt from its first packets. Engines without
   * plain RTP throw RtcUnsupportedError.
   */
  receivePlainRtp(sources: readonly RtcPlainRtpSource[], options: { label: string }): Promise<RtcPlainRtpReceiveResult>;
  readonly closed: boolean;
  /** Closes every peer, producer and consumer of the router. */
  close(): void;
}

/** One RTP stream a local process sends to the SFU, as that process numbers it. */
export interface RtcPlainRtpSource {
  kind: MediaKind;
  mimeType: RtcMimeType;
  payloadType: number;
  ssrc: number;
  clockRate: number;
  channels?: number;
  /** fmtp parameters, e.g. `packetization-mode` and `profile-level-id` for H.264. */
  parameters?: Record<string, string | number>;
  /**
   * Video only: the SSRC of a catch-up layer the sender also sends (see
   * bridge/catch-up-layer.ts). The producer then has two simulcast layers,
   * this one (0) and `ssrc` (1), and every viewer starts on layer 0 (where
   * the sender replays the GOP for it) and moves to layer 1 at its next
   * keyframe. The sender is a relay: implies `rtcpMux`.
   */
  catchUpSsrc?: number;
  /**
   * RTP and RTCP come from one socket to one port (a relay, e.g.
   * bridge/rtp-relay.ts). Without it RTCP has a port of its own, as FFmpeg
   * sends it from another socket than RTP.
   */
  rtcpMux?: boolean;
}

export interface RtcPlainRtpInput {
  producer: RtcProducer;
  /** Where the process sends this source's RTP, and its RTCP (a port of its own, or the same one with `rtcpMux`). */
  ip: string;
  port: number;
  rtcpPort: number;
}

export interface RtcPlainRtpReceiveResult {
  /** One per source, in source order. */
  inputs: RtcPlainRtpInput[];
  /** Closes the ports and their producers (consumers of them close too). */
  close(): void;
}

export interface RtcPeerEvents {
  connectionstatechange: [state: RtcConnectionState];
  closed: [];
}

export interface RtcPeerStats {
  bytesReceived: number;
  bytesSent: number;
  /** Round-trip time to the remote peer in ms, when known. */
  rttMs?: number;
  /** The engine's estimate of what can be sent to this peer, bits per second, when known. */
  availableOutgoingBitrate?: number;
}

/** One remote endpoint: a WebRTC transport (mediasoup) or a peer connection (werift). */
export interface RtcPeer extends EventEmitter<RtcPeerEvents> {
  readonly id: string;
  readonly connectionState: RtcConnectionState;
  /** Trickled remote candidates (`candidate:…` attribute values); engines with ICE-lite may ignore them. */
  addRemoteCandidates(candidates: readonly string[]): Promise<void>;
  /** The data channel when one was negotiated (enableDataChannel and an m=application section). */
  readonly dataChannel?: RtcDataChannel;
  stats(): Promise<RtcPeerStats>;
  readonly closed: boolean;
  /** Closes the peer and its producers, consumers and data channel; emits 'closed' once. */
  close(): void;
}

/**
 * The peer's one data channel is negotiated out of band (no DCEP), on this SCTP
 * stream id and label, as mediasoup-client does: clients create it with
 * `createDataChannel(RTC_DATA_CHANNEL_LABEL, { negotiated: true, id: RTC_DATA_CHANNEL_STREAM_ID })`,
 * which both engines answer alike.
 */
export const RTC_DATA_CHANNEL_LABEL = 'mediaplane';
export const RTC_DATA_CHANNEL_STREAM_ID = 0;

export interface RtcDataChannelEvents {
  message: [data: string | Buffer];
  open: [];
  closed: [];
}

export interface RtcDataChannel extends EventEmitter<RtcDataChannelEvents> {
  readonly label: string;
  readonly isOpen: boolean;
  send(data: string | Buffer): void;
}

export interface RtcProducerEvents {
  closed: [];
  /** A layer or the whole producer stopped/started receiving packets (simulcast layers only). */
  layerschange: [activeLayers: number[]];
  /** A keyframe arrived; emitted only by plain-RTP producers of engines that trace keyframes (mediasoup). */
  keyframe: [];
}

export interface RtcProducer extends EventEmitter<RtcProducerEvents> {
  readonly id: string;
  /**
   * Who sends it: the publishing peer, or one receivePlainRtp call's sources. A viewer gets the
   * audio and video of one source as one media stream, which its browser plays in lip sync.
   */
  readonly sourceId: string;
  readonly kind: MediaKind;
  readonly mimeType: RtcMimeType;
  /** Simulcast layers (spatial), lowest first; 1 when the publisher sends one encoding. */
  readonly layers: number;
  readonly paused: boolean;
  /** Asks the publisher for a keyframe (PLI/FIR) on every layer. */
  requestKeyFrame(): void;
  pause(): void;
  resume(): void;
  readonly closed: boolean;
  close(): void;
}

export interface RtcConsumerEvents {
  closed: [];
  /** The spatial layer now forwarded changed (simulcast). */
  layerchange: [layer: number | undefined];
}

export interface RtcConsumer extends EventEmitter<RtcConsumerEvents> {
  readonly id: string;
  readonly kind: MediaKind;
  readonly producerId: string;
  /** The spatial layer being forwarded (simulcast), undefined when none or not simulcast. */
  readonly currentLayer: number | undefined;
  /** Caps the layer this consumer may receive (the engine still picks lower ones when bandwidth is short). */
  setPreferredLayer(spatialLayer: number): void;
  requestKeyFrame(): void;
  readonly closed: boolean;
  close(): void;
}

/** Where one producer's plain RTP goes: RTP to `port`, RTCP to `port + 1`. */
export interface PlainRtpTarget {
  ip: string;
  port: number;
}

/** One forwarded producer as the receiver must expect it (what an SDP m= section says). */
export interface PlainRtpStream {
  kind: MediaKind;
  producerId: string;
  mimeType: RtcMimeType;
  payloadType: number;
  clockRate: number;
  channels?: number;
  /** Codec parameters as an fmtp value (`packetization-mode=1;profile-level-id=42e01f`), empty when none. */
  fmtp: string;
  ssrc: number;
  /** The target this stream is sent to. */
  ip: string;
  port: number;
}

/** Plain RTP leaving the engine for a local process; closing it stops the flow. */
export interface RtcPlainRtpOutput {
  readonly streams: readonly PlainRtpStream[];
  /** Asks the publisher for a keyframe on every video stream (FFmpeg sends no PLI). */
  requestKeyFrame(): void;
  readonly closed: boolean;
  close(): void;
}

/** The engine cannot do what was asked (e.g. plain RTP on werift). */
export class RtcUnsupportedError extends Error {
  override readonly name = 'RtcUnsupportedError';
}

/** The offer could not be answered: the message names what was wrong (shown to the client as a 400). */
export class RtcNegotiationError extends Error {
  override readonly name = 'RtcNegotiationError';
}
