import { ConflictException, HttpException, HttpStatus, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { streamContracts } from '@mediaplane/contracts';
import type { Bus } from '@mediaplane/messaging';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, BUS, LOGGER } from '@mediaplane/service-kit';
import { normalizeAddress } from '@mediaplane/sessions';
import { RtcNegotiationError } from '../engine/rtc-engine';
import { RtcEngineHost } from '../engine/rtc-engine-host.service';
import { offerIceUfrag } from '../http/sdp-http';
import { negotiationFailed } from '../http/negotiation-errors';
import { PeerAdmissionService } from '../limits/peer-admission.service';
import { SfuMetrics } from '../metrics/sfu-metrics';
import type { SfuConfig } from '../sfu.config';
import type { WebrtcStream } from '../streams/webrtc-stream';
import { WebrtcStreamsService } from '../streams/webrtc-streams.service';
import { WhipAuthorizer } from './whip-authorizer.service';

export interface WhipPublishResult {
  answerSdp: string;
  stream: WebrtcStream;
}

/**
 * WHIP publish: authorize the key over NATS (fail closed), answer the offer
 * with one producer per sent track, and hand the stream to the registry,
 * which claims it cluster-wide (a live stream on any protocol is a 409).
 */
@Injectable()
export class WhipService {
  private readonly remoteUfrags = new WeakMap<WebrtcStream, string>();

  constructor(
    private readonly authorizer: WhipAuthorizer,
    private readonly streams: WebrtcStreamsService,
    private readonly engineHost: RtcEngineHost,
    private readonly admission: PeerAdmissionService,
    private readonly metrics: SfuMetrics,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: SfuConfig,
  ) {}

  async publish(streamId: string, streamKey: string | undefined, offerSdp: string, remoteAddress: string | undefined): Promise<WhipPublishResult> {
    if (this.streams.isDraining) throw new HttpException('this node is shutting down; publish to another', HttpStatus.SERVICE_UNAVAILABLE);
    const release = this.admission.reserve('whip', remoteAddress);
    let handedOver = false;
    try {
      const verdict = await this.authorizer.authorize(streamId, streamKey, remoteAddress);
      if (!verdict.ok) throw new HttpException(verdict.message, verdict.status);
      if (this.streams.has(streamId)) {
        // A takeover replaces the publisher live on this very node; otherwise the key is busy.
        if (verdict.grant.takeover) await this.streams.kick(streamId, 'takeover');
        else this.busy(streamId, remoteAddress);
      }

      const router = await this.engineHost.engine.createRouter(`whip:${streamId}`);
      let received;
      try {
        received = await router.receive(offerSdp, { label: `whip:${streamId}`, maxIncomingBitrate: this.config.SFU_MAX_INCOMING_BITRATE });
      } catch (error) {
        router.close();
        if (error instanceof RtcNegotiationError) throw negotiationFailed(error, this.metrics, 'whip');
        throw error;
      }
      const { peer, producers, answerSdp } = received;
      this.admission.watch(peer, release);
      handedOver = true;
      const stream = await this.streams.start(verdict.grant, router, peer, producers);
      if (!stream) {
        peer.close();
        router.close();
        this.busy(streamId, remoteAddress);
      }
      const ufrag = offerIceUfrag(offerSdp);
      if (ufrag) this.remoteUfrags.set(stream, ufrag);
      return { answerSdp, stream };
    } finally {
      if (!handedOver) release();
    }
  }

  /** The session behind a WHIP resource URL, or 404. */
  session(streamId: string, sessionId: string): WebrtcStream {
    const stream = this.streams.get(streamId);
    if (!stream || stream.sessionId !== sessionId) throw new NotFoundException('no such WHIP session');
    return stream;
  }

  async trickle(stream: WebrtcStream, iceUfrag: string | undefined, candidates: string[]): Promise<void> {
    const known = this.remoteUfrags.get(stream);
    if (iceUfrag && known && iceUfrag !== known) {
      throw new HttpException('ICE restarts are not supported: DELETE this session and publish again', HttpStatus.NOT_IMPLEMENTED);
    }
    await stream.publisher.addRemoteCandidates(candidates);
  }

  async stop(stream: WebrtcStream): Promise<void> {
    await this.streams.kick(stream.streamId, 'publisher_closed');
  }

  private busy(streamId: string, remoteAddress: string | undefined): never {
    this.metrics.refusals.inc({ kind: 'whip', reason: 'busy' });
    const address = normalizeAddress(remoteAddress);
    this.logger.info({ protocol: 'whip', reason: 'busy', streamId, remoteAddress: address }, 'publish refused');
    void this.bus
      .publish(
        streamContracts.publishRejected,
        {},
        { protocol: 'whip', reason: 'busy', remoteAddress: address.slice(0, 64), streamId, at: new Date().toISOString() },
      )
      .catch((error: unknown) => this.logger.warn({ err: error }, 'publishRejected not published'));
    throw new ConflictException('the stream is already live (another publisher holds it)');
  }
}
