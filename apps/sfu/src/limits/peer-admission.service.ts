import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@mediaplane/service-kit';
import { ConnectionLimiter } from '@mediaplane/sessions';
import type { RtcPeer } from '../engine/rtc-engine';
import { SfuMetrics } from '../metrics/sfu-metrics';
import type { SfuConfig } from '../sfu.config';

export type PeerKind = 'whip' | 'whep' | 'room';

/**
 * Admits WebRTC peers within the node's limits (in total and per remote
 * address) and sees to it that each one is closed when it never connects,
 * or fails, so no transport outlives its client.
 */
@Injectable()
export class PeerAdmissionService {
  private readonly limiter: ConnectionLimiter;

  constructor(
    @Inject(APP_CONFIG) private readonly config: SfuConfig,
    private readonly metrics: SfuMetrics,
  ) {
    this.limiter = new ConnectionLimiter({ maxTotal: config.SFU_MAX_PEERS, maxPerAddress: config.SFU_MAX_PEERS_PER_ADDRESS });
  }

  get open(): number {
    return this.limiter.open;
  }

  /** Reserves a slot before any engine work; throws 503/429 when full. Release with the returned function. */
  reserve(kind: PeerKind, remoteAddress: string | undefined): () => void {
    const grant = this.limiter.acquire(remoteAddress);
    if (grant.ok) return () => grant.release();
    this.metrics.refusals.inc({ kind, reason: grant.reason });
    if (grant.reason === 'too_many_from_address') throw new HttpException('too many WebRTC sessions from this address', HttpStatus.TOO_MANY_REQUESTS);
    throw new HttpException('this node is full; try again later', HttpStatus.SERVICE_UNAVAILABLE);
  }

  /** Ties a slot to a peer: released when it closes; the peer is closed when it has not connected in time or fails. */
  watch(peer: RtcPeer, release: () => void): void {
    const timer = setTimeout(() => {
      if (peer.connectionState !== 'connected') peer.close();
    }, this.config.SFU_CONNECT_TIMEOUT_MS);
    timer.unref();
    peer.on('connectionstatechange', (state) => {
      if (state === 'connected') clearTimeout(timer);
      if (state === 'failed') peer.close();
    });
    peer.once('closed', () => {
      clearTimeout(timer);
      release();
    });
    if (peer.closed) release();
  }
}
