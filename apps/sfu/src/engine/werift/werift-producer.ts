import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { RtcpSrPacket, type MediaStreamTrack, type RTCRtpCodecParameters, type RTCRtpTransceiver, type RtpPacket } from 'werift';
import type { MediaKind, RtcMimeType, RtcProducer, RtcProducerEvents } from '../rtc-engine';
import { isKeyframeStart } from '@mediaplane/codecs';
import type { WeriftRegistry } from './werift-registry';
import type { PublisherClock, StreamCaptureClock } from './capture-clock';

/** A consumer's hook into the producer's packets: the layer they arrived on and whether they start a keyframe. */
export type ProducerSink = (layer: number, packet: RtpPacket, keyframe: boolean) => void;

/**
 * Keyframe requests closer together than this are merged: encoders ignore a burst anyway. Chromium
 * ignores a request that comes within 300 ms of the last one it acted on, so the merged request goes out
 * a little after that (at exactly 300 ms it was ignored, and the joining viewer waited for a retry).
 */
const KEYFRAME_REQUEST_INTERVAL_MS = 350;
/** A layer with no packet for this long is inactive (its encoding was dropped by the publisher). */
const LAYER_INACTIVE_AFTER_MS = 1500;
const LAYER_TICK_MS = 500;

interface LayerState {
  ssrc?: number;
  lastPacketAt: number;
  windowBytes: number;
  /** Bits per second over the last tick. */
  bitrate: number;
  capture: StreamCaptureClock;
}

/**
 * One sending section of a publisher: its tracks (one, or one per simulcast
 * rid, lowest layer first) feed the producer, which hands every packet to its
 * consumers and relays their keyframe requests to the publisher as PLI.
 */
export class WeriftProducer extends EventEmitter<RtcProducerEvents> implements RtcProducer {
  readonly id = randomUUID();
  readonly layers: number;
  private readonly layerStates: LayerState[];
  private readonly sinks = new Set<ProducerSink>();
  private readonly attached = new Set<MediaStreamTrack>();
  private readonly unsubscribes: (() => void)[] = [];
  private lastKeyframeRequestAt = 0;
  private keyframeRequestTimer?: NodeJS.Timeout;
  private readonly layerTimer?: NodeJS.Timeout;
  private activeLayerList: number[] = [];
  private _paused = false;
  private _closed = false;
  /** Capture time of the packet being forwarded, computed once for all consumers. */
  private captureOf: { packet: RtpPacket; ntp: bigint | undefined } | undefined;

  constructor(
    readonly kind: MediaKind,
    readonly mimeType: RtcMimeType,
    /** The one codec negotiated with the publisher (consumers negotiate the same one with viewers). */
    readonly codec: RTCRtpCodecParameters,
    private readonly transceiver: RTCRtpTransceiver,
    private readonly rids: readonly string[],
    private readonly registry: WeriftRegistry,
    /** Shared by the producers of one publisher, so their capture times stay consistent. */
    publisherClock: PublisherClock,
    /** The publishing peer's id (RtcProducer.sourceId). */
    readonly sourceId: string,
  ) {
    super();
    // Every consumer of this producer (one per viewer) listens for its close: hundreds are normal here.
    this.setMaxListeners(0);
    this.layers = Math.max(1, rids.length);
    this.layerStates = Array.from({ length: this.layers }, () => ({
      lastPacketAt: 0,
      windowBytes: 0,
      bitrate: 0,
      capture: publisherClock.stream(codec.clockRate),
    }));
    registry.producers.add(this);
    for (const track of transceiver.receiver.tracks) this.attachTrack(track);
    this.unsubscribes.push(transceiver.onTrack.subscribe((track) => this.attachTrack(track)).unSubscribe);
    this.layerTimer = setInterval(() => this.tickLayers(), LAYER_TICK_MS);
  }

  get paused(): boolean {
    return this._paused;
  }

  get closed(): boolean {
    return this._closed;
  }

  /** Layers that received packets recently, lowest first. */
  get activeLayers(): readonly number[] {
    return this.activeLayerList;
  }

  /** Measured bitrate of a layer (bits per second), 0 when unknown. */
  layerBitrate(layer: number): number {
    return this.layerStates[layer]?.bitrate ?? 0;
  }

  addSink(sink: ProducerSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  private attachTrack(track: MediaStreamTrack): void {
    if (this._closed || this.attached.has(track)) return;
    const layer = track.rid === undefined ? 0 : this.rids.indexOf(track.rid);
    if (layer < 0) return;
    this.attached.add(track);
    this.unsubscribes.push(track.onReceiveRtp.subscribe((packet) => this.onPacket(layer, packet)).unSubscribe);
    this.unsubscribes.push(
      track.onReceiveRtcp.subscribe((packet) => {
        if (packet instanceof RtcpSrPacket) this.layerStates[layer]?.capture.onSenderReport(packet.senderInfo.ntpTimestamp, packet.senderInfo.rtpTimestamp);
      }).unSubscribe,
    );
  }

  /** When the publisher captured this packet (NTP, our clock), undefined before its first Sender Report. */
  captureNtp(layer: number, packet: RtpPacket): bigint | undefined {
    if (this.captureOf?.packet !== packet) {
      this.captureOf = { packet, ntp: this.layerStates[layer]?.capture.captureNtp(packet.header.timestamp) };
    }
    return this.captureOf.ntp;
  }

  private onPacket(layer: number, packet: RtpPacket): void {
    const state = this.layerStates[layer];
    if (!state || this._closed) return;
    state.ssrc = packet.header.ssrc;
    state.lastPacketAt = Date.now();
    state.windowBytes += packet.serializeSize;
    if (this._paused) return;
    // The publisher's header extensions (its ids for mid, rid …) mean nothing to a viewer, and werift's
    // sender would copy them through: a viewer then routes by the publisher's rid and drops the packet.
    // The packet is werift's per-track copy, so clearing it here serves every consumer.
    packet.header.extensions = [];
    packet.header.extension = false;
    const keyframe = this.kind === 'video' && isKeyframeStart(this.mimeType, packet.payload);
    for (const sink of this.sinks) sink(layer, packet, keyframe);
  }

  private tickLayers(): void {
    const now = Date.now();
    const active: number[] = [];
    this.layerStates.forEach((state, layer) => {
      state.bitrate = (state.windowBytes * 8 * 1000) / LAYER_TICK_MS;
      state.windowBytes = 0;
      if (state.lastPacketAt > 0 && now - state.lastPacketAt < LAYER_INACTIVE_AFTER_MS) active.push(layer);
    });
    const changed = active.length !== this.activeLayerList.length || active.some((layer, i) => layer !== this.activeLayerList[i]);
    this.activeLayerList = active;
    if (changed && this.layers > 1) this.emit('layerschange', active);
  }

  requestKeyFrame(): void {
    if (this._closed || this.kind !== 'video') return;
    const wait = this.lastKeyframeRequestAt + KEYFRAME_REQUEST_INTERVAL_MS - Date.now();
    if (wait > 0) {
      // Merged into one request at the end of the interval rather than dropped.
      this.keyframeRequestTimer ??= setTimeout(() => {
        this.keyframeRequestTimer = undefined;
        this.requestKeyFrame();
      }, wait);
      return;
    }
    this.lastKeyframeRequestAt = Date.now();
    for (const state of this.layerStates) {
      if (state.ssrc !== undefined) void this.transceiver.receiver.sendRtcpPLI(state.ssrc).catch(() => undefined);
    }
  }

  pause(): void {
    this._paused = true;
  }

  resume(): void {
    if (!this._paused) return;
    this._paused = false;
    this.requestKeyFrame();
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    clearInterval(this.layerTimer);
    clearTimeout(this.keyframeRequestTimer);
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.sinks.clear();
    this.registry.producers.delete(this);
    this.emit('closed');
  }
}
