import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import {
  GenericNack,
  RtcpPayloadSpecificFeedback,
  RtcpRrPacket,
  RtcpTransportLayerFeedback,
  type RTCRtpTransceiver,
  type RtcpPacket,
  type RtpPacket,
} from 'werift';
import { absSendTimeExtensionId, absSendTimeNow, correctSenderReportClock, type SenderReportClock } from '@mediaplane/media-io/werift';
import type { MediaKind, RtcConsumer, RtcConsumerEvents } from '../rtc-engine';
import type { WeriftProducer } from './werift-producer';
import type { WeriftRegistry } from './werift-registry';
import { SimulcastLayerSelector, type LayerFeedback } from './simulcast-layer-selector';
import { WeriftForwardingSender } from './werift-forwarding-sender';

const LAYER_TICK_MS = 1000;
/**
 * While waiting for a keyframe, ask again this often: the request or its answer may be lost, or the
 * encoder may have ignored it (too soon after another). A joining viewer sees nothing until it comes.
 */
const KEYFRAME_RETRY_MS = 500;
/** RTCP payload-specific feedback types: PLI, FIR, REMB. */
const PSFB_PLI = 1;
const PSFB_FIR = 4;
const PSFB_REMB = 15;
const VIDEO_CLOCK_PER_MS = 90;

/**
 * abs-send-time of the packet being forwarded: every consumer of a producer
 * is handed the same packet object in turn, so it is computed once per packet.
 */
let absSendTimeOf: { packet: RtpPacket; payload: Buffer } | undefined;
function absSendTime(packet: RtpPacket): Buffer {
  if (absSendTimeOf?.packet !== packet) absSendTimeOf = { packet, payload: absSendTimeNow() };
  return absSendTimeOf.payload;
}

/**
 * Forwards one producer's RTP to one viewer through a werift sender, which
 * rewrites SSRC, payload type and sequence numbers to what was negotiated
 * with the viewer. Video starts at a keyframe; with simulcast the layer
 * follows the viewer's feedback and changes only at a keyframe of the new
 * layer, keeping sequence numbers and timestamps continuous.
 */
export class WeriftConsumer extends EventEmitter<RtcConsumerEvents> implements RtcConsumer {
  readonly id = randomUUID();
  readonly kind: MediaKind;
  readonly producerId: string;
  private started = false;
  private _closed = false;
  private current: number | undefined;
  private target: number | undefined;
  private waitingForKeyframe: boolean;
  private lastSentAt = 0;
  private preferredLayer: number;
  private readonly selector = new SimulcastLayerSelector();
  private readonly feedback: LayerFeedback = {};
  /** Loss in the viewer's last receiver report, 0..1. */
  private reportedLoss = 0;
  /** Packets sent and sequence numbers the viewer NACKed since the last tick. */
  private sentInTick = 0;
  private nackedInTick = 0;
  private readonly unsubscribes: (() => void)[] = [];
  private timer?: NodeJS.Timeout;
  private keyframeRetryTimer?: NodeJS.Timeout;
  private readonly reportClock: SenderReportClock | undefined;
  /** The viewer's id for abs-send-time, when negotiated. */
  private readonly absSendTimeId: number | undefined;
  /** werift's sender without its per-packet cost (see WeriftForwardingSender); undefined: werift's own sendRtp. */
  private readonly forwarding: WeriftForwardingSender | undefined;

  constructor(
    private readonly producer: WeriftProducer,
    private readonly transceiver: RTCRtpTransceiver,
    private readonly registry: WeriftRegistry,
  ) {
    super();
    this.kind = producer.kind;
    this.producerId = producer.id;
    this.preferredLayer = producer.layers - 1;
    this.waitingForKeyframe = producer.kind === 'video';
    if (producer.layers === 1) this.current = this.target = 0;
    // werift's own clock is truncated to the second (see werift-ntp-clock): the viewer lip-syncs by our
    // Sender Reports (which carry the publisher's capture times, see capture-clock) and estimates bandwidth
    // from abs-send-time, so both get a correct clock.
    this.reportClock = correctSenderReportClock(transceiver.sender);
    this.absSendTimeId = absSendTimeExtensionId(transceiver);
    this.forwarding = this.reportClock ? WeriftForwardingSender.of(transceiver.sender) : undefined;
    registry.consumers.add(this);
    this.unsubscribes.push(producer.addSink((layer, packet, keyframe) => this.onPacket(layer, packet, keyframe)));
    this.unsubscribes.push(transceiver.sender.onRtcp.subscribe((packet) => this.onViewerRtcp(packet)).unSubscribe);
    const onProducerClosed = () => this.close();
    producer.once('closed', onProducerClosed);
    this.unsubscribes.push(() => producer.off('closed', onProducerClosed));
  }

  get closed(): boolean {
    return this._closed;
  }

  get currentLayer(): number | undefined {
    return this.producer.layers > 1 ? this.current : undefined;
  }

  /** The viewer is connected: from now on packets can reach it, so ask for the keyframe it starts with. */
  start(): void {
    if (this.started || this._closed) return;
    this.started = true;
    if (this.kind === 'video') {
      this.timer = setInterval(() => this.tick(), LAYER_TICK_MS);
      this.chooseLayer();
      this.requestKeyFrame();
    }
  }

  setPreferredLayer(spatialLayer: number): void {
    this.preferredLayer = Math.max(0, Math.min(this.producer.layers - 1, Math.floor(spatialLayer)));
    this.chooseLayer();
  }

  requestKeyFrame(): void {
    if (this._closed || this.kind !== 'video') return;
    this.producer.requestKeyFrame();
    this.keyframeRetryTimer ??= setTimeout(() => {
      this.keyframeRetryTimer = undefined;
      if (this.waitingForKeyframe || this.target !== this.current) this.requestKeyFrame();
    }, KEYFRAME_RETRY_MS);
  }

  private tick(): void {
    // The receiver report alone understates loss that NACK repairs (Chromium counts retransmissions as
    // received); the share of what we sent that the viewer asked again for shows a link dropping packets.
    const nackShare = this.sentInTick > 0 ? Math.min(1, this.nackedInTick / this.sentInTick) : 0;
    this.feedback.lossFraction = Math.max(this.reportedLoss, nackShare);
    this.sentInTick = this.nackedInTick = 0;
    this.chooseLayer();
  }

  private chooseLayer(): void {
    if (this.producer.layers === 1 || !this.started) return;
    const next = this.selector.select(
      this.current,
      { activeLayers: this.producer.activeLayers, layerBitrate: (layer) => this.producer.layerBitrate(layer), maxLayer: this.preferredLayer },
      this.feedback,
    );
    if (next === undefined || next === this.target) return;
    this.target = next;
    if (this.target !== this.current) this.requestKeyFrame();
  }

  private onPacket(layer: number, packet: RtpPacket, keyframe: boolean): void {
    if (!this.started || this._closed) return;
    if (this.target !== undefined && layer === this.target && this.target !== this.current && keyframe) {
      this.switchTo(layer, packet);
    }
    if (layer !== this.current) return;
    if (this.waitingForKeyframe) {
      if (!keyframe) return;
      this.waitingForKeyframe = false;
    }
    this.lastSentAt = Date.now();
    this.sentInTick++;
    const sendTime = this.absSendTimeId === undefined ? undefined : { id: this.absSendTimeId, payload: absSendTime(packet) };
    if (this.reportClock) this.reportClock.next = this.producer.captureNtp(layer, packet);
    if (this.forwarding?.send(packet, sendTime?.payload)) return;
    // werift's sender keeps an extension the packet already carries under a negotiated id (instead of its
    // own truncated abs-send-time); it copies the packet before its first await, so the next consumer sets
    // its own id (or none) on the same object.
    packet.header.extensions = sendTime ? [sendTime] : [];
    void this.transceiver.sender.sendRtp(packet).catch(() => undefined);
  }

  private switchTo(layer: number, packet: RtpPacket): void {
    if (this.current !== undefined && this.lastSentAt > 0) {
      // The new layer has its own SSRC, sequence and timestamp base: continue ours from where the old one stopped.
      const step = Math.max(1, Math.round((Date.now() - this.lastSentAt) * VIDEO_CLOCK_PER_MS));
      this.transceiver.sender.replaceRTP(packet.header, false, step);
    }
    this.current = layer;
    this.waitingForKeyframe = false;
    this.emit('layerchange', layer);
  }

  private onViewerRtcp(packet: RtcpPacket): void {
    if (packet instanceof RtcpRrPacket) {
      const report = packet.reports.find((r) => r.ssrc === this.transceiver.sender.ssrc);
      if (report) this.reportedLoss = report.fractionLost / 256;
    } else if (packet instanceof RtcpTransportLayerFeedback && packet.feedback instanceof GenericNack) {
      if (packet.feedback.mediaSourceSsrc === this.transceiver.sender.ssrc) this.nackedInTick += packet.feedback.lost.length;
    } else if (packet instanceof RtcpPayloadSpecificFeedback) {
      const type = packet.feedback.count;
      if (type === PSFB_PLI || type === PSFB_FIR) this.requestKeyFrame();
      else if (type === PSFB_REMB && 'bitrate' in packet.feedback) this.feedback.estimatedBitrate = Number(packet.feedback.bitrate);
    }
  }

  /** The viewer's bandwidth estimate (REMB), bits per second, when it sent one. */
  get estimatedBitrate(): number | undefined {
    return this.feedback.estimatedBitrate;
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    clearInterval(this.timer);
    clearTimeout(this.keyframeRetryTimer);
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.registry.consumers.delete(this);
    this.emit('closed');
  }
}
