import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { RTCPeerConnection } from 'werift';
import type { RtcConnectionState, RtcPeer, RtcPeerEvents, RtcPeerStats } from '../rtc-engine';
import type { WeriftConsumer } from './werift-consumer';
import type { WeriftDataChannel } from './werift-data-channel';
import type { WeriftProducer } from './werift-producer';
import type { WeriftRegistry } from './werift-registry';

/** ICE+DTLS must complete within this time of the answer, or the peer is dropped. */
export const CONNECT_TIMEOUT_MS = 30_000;
/** A disconnected peer that does not come back within this time is dropped. */
export const DISCONNECTED_GRACE_MS = 15_000;

/**
 * One remote endpoint: a werift RTCPeerConnection with the producers and
 * consumers negotiated on it. The peer closes itself when its connection
 * fails, closes, stays disconnected, or never connects, so nothing outlives
 * a client that went away.
 */
export class WeriftPeer extends EventEmitter<RtcPeerEvents> implements RtcPeer {
  readonly id = randomUUID();
  readonly producers: WeriftProducer[] = [];
  readonly consumers: WeriftConsumer[] = [];
  dataChannel?: WeriftDataChannel;
  private state: RtcConnectionState = 'new';
  private _closed = false;
  private connectTimer?: NodeJS.Timeout;
  private disconnectedTimer?: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(
    readonly pc: RTCPeerConnection,
    readonly label: string,
    private readonly registry: WeriftRegistry,
  ) {
    super();
    registry.peers.add(this);
    this.unsubscribe = pc.connectionStateChange.subscribe((state) => this.onState(state)).unSubscribe;
    this.connectTimer = setTimeout(() => {
      if (this.state !== 'connected') this.close();
    }, CONNECT_TIMEOUT_MS);
  }

  get connectionState(): RtcConnectionState {
    return this.state;
  }

  get closed(): boolean {
    return this._closed;
  }

  private onState(state: RtcConnectionState): void {
    if (this._closed || state === this.state) return;
    this.state = state;
    this.emit('connectionstatechange', state);
    if (state === 'connected') {
      clearTimeout(this.connectTimer);
      clearTimeout(this.disconnectedTimer);
      this.disconnectedTimer = undefined;
      for (const consumer of this.consumers) consumer.start();
    } else if (state === 'disconnected') {
      this.disconnectedTimer ??= setTimeout(() => this.close(), DISCONNECTED_GRACE_MS);
    } else if (state === 'failed' || state === 'closed') {
      this.close();
    }
  }

  async addRemoteCandidates(candidates: readonly string[]): Promise<void> {
    const mid = this.pc.getTransceivers()[0]?.mid ?? '0';
    for (const candidate of candidates) {
      await this.pc.addIceCandidate({ candidate: candidate.replace(/^a=/, ''), sdpMid: mid, sdpMLineIndex: 0 });
    }
  }

  async stats(): Promise<RtcPeerStats> {
    const report = await this.pc.getStats();
    const result: RtcPeerStats = { bytesReceived: 0, bytesSent: 0 };
    for (const stat of report.values()) {
      const fields = stat as unknown as Record<string, unknown>;
      if (stat.type === 'inbound-rtp' && typeof fields['bytesReceived'] === 'number') result.bytesReceived += fields['bytesReceived'];
      if (stat.type === 'outbound-rtp' && typeof fields['bytesSent'] === 'number') result.bytesSent += fields['bytesSent'];
      if (stat.type === 'candidate-pair' && fields['nominated'] && typeof fields['currentRoundTripTime'] === 'number') {
        result.rttMs = fields['currentRoundTripTime'] * 1000;
      }
    }
    const estimates = this.consumers.map((c) => c.estimatedBitrate).filter((b): b is number => b !== undefined);
    if (estimates.length > 0) result.availableOutgoingBitrate = Math.min(...estimates);
    return result;
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    clearTimeout(this.connectTimer);
    clearTimeout(this.disconnectedTimer);
    this.unsubscribe();
    for (const producer of this.producers) producer.close();
    for (const consumer of this.consumers) consumer.close();
    this.dataChannel?.close();
    void this.pc.close().catch(() => undefined);
    this.registry.peers.delete(this);
    if (this.state !== 'closed') {
      this.state = 'closed';
      this.emit('connectionstatechange', 'closed');
    }
    this.emit('closed');
  }
}
