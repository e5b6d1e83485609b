import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { RtcConnectionState, RtcPeer, RtcPeerEvents, RtcPeerStats } from '../rtc-engine';
import type { MediasoupDataChannel } from './mediasoup-data-channel';

export interface PeerTimeouts {
  /** ICE+DTLS must connect within this (ms), else the peer is closed as failed. */
  connectTimeoutMs: number;
  /** A peer whose ICE stays disconnected this long (ms) is closed. */
  disconnectGraceMs: number;
}

export const DEFAULT_PEER_TIMEOUTS: PeerTimeouts = { connectTimeoutMs: 20_000, disconnectGraceMs: 10_000 };

/**
 * One remote endpoint: a mediasoup WebRtcTransport with its producers,
 * consumers and data channel. It closes itself when ICE never connects, stays
 * disconnected past the grace, or DTLS fails, and whenever the transport goes
 * away underneath it (router closed, worker died), so nothing outlives its peer.
 */
export class MediasoupPeer extends EventEmitter<RtcPeerEvents> implements RtcPeer {
  private state: RtcConnectionState = 'new';
  private connectTimer?: NodeJS.Timeout;
  private graceTimer?: NodeJS.Timeout;
  private ended = false;
  dataChannel?: MediasoupDataChannel;
  readonly producers = new Set<types.Producer>();
  readonly consumers = new Set<types.Consumer>();

  constructor(
    readonly transport: types.WebRtcTransport,
    readonly label: string,
    timeouts: PeerTimeouts,
    private readonly onEvent: (level: 'info' | 'warn', fields: Record<string, unknown>, message: string) => void,
  ) {
    super();
    this.connectTimer = setTimeout(() => {
      this.onEvent('warn', { peer: this.id, label }, 'peer did not connect in time; closing it');
      this.fail();
    }, timeouts.connectTimeoutMs);
    transport.on('icestatechange', (ice) => {
      if (ice === 'disconnected') {
        this.setState('disconnected');
        this.graceTimer ??= setTimeout(() => {
          this.onEvent('info', { peer: this.id, label }, 'peer stayed disconnected; closing it');
          this.close();
        }, timeouts.disconnectGraceMs);
      } else if (ice === 'connected' || ice === 'completed') {
        this.clearGrace();
        this.setState(transport.dtlsState === 'connected' ? 'connected' : 'connecting');
      } else if (ice === 'closed') this.close();
    });
    transport.on('dtlsstatechange', (dtls) => {
      if (dtls === 'connecting') this.setState('connecting');
      else if (dtls === 'connected') {
        clearTimeout(this.connectTimer);
        this.connectTimer = undefined;
        this.setState('connected');
      } else if (dtls === 'failed') this.fail();
      else if (dtls === 'closed') this.close();
    });
    transport.observer.once('close', () => this.close());
  }

  get id(): string {
    return this.transport.id;
  }

  get connectionState(): RtcConnectionState {
    return this.state;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** ICE-lite learns the remote address from connectivity checks; trickled candidates add nothing. */
  async addRemoteCandidates(_candidates: readonly string[]): Promise<void> {}

  async stats(): Promise<RtcPeerStats> {
    if (this.ended) return { bytesReceived: 0, bytesSent: 0 };
    const [transportStats] = await this.transport.getStats();
    const stats: RtcPeerStats = { bytesReceived: transportStats?.bytesReceived ?? 0, bytesSent: transportStats?.bytesSent ?? 0 };
    if (transportStats?.availableOutgoingBitrate !== undefined) stats.availableOutgoingBitrate = transportStats.availableOutgoingBitrate;
    const rtt = await this.roundTripTime();
    if (rtt !== undefined) stats.rttMs = rtt;
    return stats;
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.connectTimer);
    this.clearGrace();
    this.dataChannel?.close();
    if (!this.transport.closed) this.transport.close();
    this.setState('closed');
    this.emit('closed');
  }

  private fail(): void {
    if (this.ended) return;
    this.setState('failed');
    this.close();
  }

  private clearGrace(): void {
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
  }

  private setState(state: RtcConnectionState): void {
    if (this.state === state || this.state === 'closed') return;
    this.state = state;
    this.emit('connectionstatechange', state);
  }

  /** RTT from the RTCP of our RTP streams (receiver reports for consumers, sender reports for producers). */
  private async roundTripTime(): Promise<number | undefined> {
    const sources: (types.Consumer | types.Producer)[] = [...this.consumers, ...this.producers].filter((s) => !s.closed);
    for (const source of sources) {
      const stats = await source.getStats().catch(() => []);
      const rtt = stats.map((s) => s.roundTripTime).find((r): r is number => typeof r === 'number' && r > 0);
      if (rtt !== undefined) return rtt;
    }
    return undefined;
  }
}
