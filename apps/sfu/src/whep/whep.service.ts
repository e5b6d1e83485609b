import { ForbiddenException, HttpException, HttpStatus, Inject, Injectable, NotFoundException, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, LOGGER } from '@mediaplane/service-kit';
import { verifyPlaybackToken } from '@mediaplane/sessions';
import { BridgesService } from '../bridge/bridges.service';
import { isBridgeable } from '../bridge/rtmp-bridge';
import { RtcNegotiationError, RtcUnsupportedError, type RtcPeer, type RtcProducer, type RtcRouter } from '../engine/rtc-engine';
import { negotiationFailed } from '../http/negotiation-errors';
import { PeerAdmissionService } from '../limits/peer-admission.service';
import { SfuMetrics } from '../metrics/sfu-metrics';
import type { SfuConfig } from '../sfu.config';
import type { StreamViewer } from '../streams/webrtc-stream';
import { WebrtcStreamsService } from '../streams/webrtc-streams.service';

/** Who asks to play and how: the address admission counts per, and RtcPeerOptions.lipSync. */
export interface WhepViewerOptions {
  remoteAddress: string | undefined;
  lipSync: boolean;
}

export interface WhepPlayResult {
  answerSdp: string;
  viewer: StreamViewer;
}

/** What WHEP plays from: a stream published over WHIP here, or the bridge of one published over RTMP/SRT. */
interface PlayableStream {
  readonly router?: RtcRouter;
  readonly producers: readonly RtcProducer[];
  readonly isEnded: boolean;
  addViewer(peer: RtcPeer): StreamViewer;
}

/**
 * WHEP play. A stream live over WHIP on this node is played from its
 * producers; any other live stream (RTMP now, SRT when it lands) through its
 * WebRTC bridge, started for the first viewer. A private stream needs a
 * playback token for it either way. The viewer's offer is answered with
 * consumers of the producers (the engine asks for a keyframe, which a WHIP
 * publisher answers; a bridge bounds the wait itself, see rtmp-bridge.ts).
 */
@Injectable()
export class WhepService {
  constructor(
    private readonly streams: WebrtcStreamsService,
    private readonly bridges: BridgesService,
    private readonly admission: PeerAdmissionService,
    private readonly metrics: SfuMetrics,
    @Inject(APP_CONFIG) private readonly config: SfuConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async play(streamId: string, token: string | undefined, offerSdp: string, viewer: WhepViewerOptions): Promise<WhepPlayResult> {
    const local = this.streams.get(streamId);
    if (local) {
      this.authorize(streamId, token, local.grant.private);
      return this.serve(streamId, local, offerSdp, viewer);
    }
    const source = await this.bridges.liveState(streamId);
    if (!source) throw new NotFoundException(`stream ${streamId} is not live`);
    // A WHIP stream is played from the SFU holding it (the API's playback URL names it); no bridge between SFUs.
    if (!isBridgeable(source)) {
      throw new NotFoundException(
        source.protocol === 'whip'
          ? `stream ${streamId} is live over WHIP on another SFU node, not here`
          : `stream ${streamId} is live over ${source.protocol} but its ingest names no pull URL`,
      );
    }
    this.authorize(streamId, token, source.private);
    const withMedia = await this.bridges.liveStateWithMedia(source);
    if (!withMedia) throw new NotFoundException(`stream ${streamId} ended`);
    if (!withMedia.media.video && !withMedia.media.audio) {
      throw new ServiceUnavailableException(`stream ${streamId} is live but its codecs are not known yet; try again`);
    }
    let bridge;
    try {
      bridge = await this.bridges.acquire(withMedia);
    } catch (error) {
      if (error instanceof RtcUnsupportedError) throw new HttpException(error.message, HttpStatus.NOT_IMPLEMENTED);
      throw error;
    }
    return this.serve(streamId, bridge, offerSdp, viewer);
  }

  viewer(streamId: string, viewerId: string): StreamViewer {
    const viewer = (this.streams.get(streamId)?.viewers ?? this.bridges.get(streamId)?.viewers)?.get(viewerId);
    if (!viewer) throw new NotFoundException('no such WHEP session');
    return viewer;
  }

  private async serve(streamId: string, stream: PlayableStream, offerSdp: string, options: WhepViewerOptions): Promise<WhepPlayResult> {
    const router = stream.router;
    if (!router) throw new NotFoundException(`stream ${streamId} ended`);
    const release = this.admission.reserve('whep', options.remoteAddress);
    let handedOver = false;
    try {
      let sent;
      try {
        sent = await router.send(offerSdp, stream.producers, { label: `whep:${streamId}`, lipSync: options.lipSync });
      } catch (error) {
        if (error instanceof RtcNegotiationError) throw negotiationFailed(error, this.metrics, 'whep');
        throw error;
      }
      this.admission.watch(sent.peer, release);
      handedOver = true;
      if (stream.isEnded) {
        sent.peer.close();
        throw new NotFoundException(`stream ${streamId} ended`);
      }
      const viewer = stream.addViewer(sent.peer);
      this.metrics.sessionsStarted.inc({ kind: 'whep' });
      this.logger.debug({ streamId, viewer: viewer.id, consumers: sent.consumers.length }, 'WHEP viewer joined');
      return { answerSdp: sent.answerSdp, viewer };
    } finally {
      if (!handedOver) release();
    }
  }

  /** Public streams pass; a private one needs a playback token for it (401 without, 403 with a bad or expired one). */
  private authorize(streamId: string, token: string | undefined, isPrivate: boolean): void {
    if (!isPrivate) return;
    const verdict = token ? verifyPlaybackToken(this.config.MEDIAPLANE_PLAYBACK_SECRET, token, streamId) : undefined;
    if (verdict?.ok) return;
    const reason = verdict ? verdict.reason : 'missing';
    this.metrics.authFailures.inc({ kind: 'whep', reason });
    if (!token) throw new UnauthorizedException('this stream is private: a playback token (?token=) is required');
    if (reason === 'expired') throw new ForbiddenException('token has expired');
    throw new HttpException('token is not valid for this stream', HttpStatus.FORBIDDEN);
  }
}
