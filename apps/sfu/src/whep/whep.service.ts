import { ForbiddenException, HttpException, HttpStatus, Inject, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, LOGGER } from '@mediaplane/service-kit';
import { verifyPlaybackToken } from '@mediaplane/sessions';
import { RtcNegotiationError } from '../engine/rtc-engine';
import { negotiationFailed } from '../http/negotiation-errors';
import { PeerAdmissionService } from '../limits/peer-admission.service';
import { SfuMetrics } from '../metrics/sfu-metrics';
import type { SfuConfig } from '../sfu.config';
import type { StreamViewer, WebrtcStream } from '../streams/webrtc-stream';
import { WebrtcStreamsService } from '../streams/webrtc-streams.service';

export interface WhepPlayResult {
  answerSdp: string;
  viewer: StreamViewer;
}

/**
 * WHEP play: the stream must be live on this node; a private one needs a
 * playback token for it. The viewer's offer is answered with consumers of
 * the stream's producers (the engine asks the publisher for a keyframe, so
 * the picture starts at once), and the viewer is counted as `whep`.
 */
@Injectable()
export class WhepService {
  constructor(
    private readonly streams: WebrtcStreamsService,
    private readonly admission: PeerAdmissionService,
    private readonly metrics: SfuMetrics,
    @Inject(APP_CONFIG) private readonly config: SfuConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async play(streamId: string, token: string | undefined, offerSdp: string, remoteAddress: string | undefined): Promise<WhepPlayResult> {
    const stream = this.authorizedStream(streamId, token);
    const release = this.admission.reserve('whep', remoteAddress);
    let handedOver = false;
    try {
      let sent;
      try {
        sent = await stream.router.send(offerSdp, stream.producers, { label: `whep:${streamId}` });
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

  viewer(streamId: string, viewerId: string): StreamViewer {
    const viewer = this.streams.get(streamId)?.viewers.get(viewerId);
    if (!viewer) throw new NotFoundException('no such WHEP session');
    return viewer;
  }

  private authorizedStream(streamId: string, token: string | undefined): WebrtcStream {
    const stream = this.streams.get(streamId);
    if (!stream) throw new NotFoundException(`stream ${streamId} is not live over WebRTC on this node`);
    if (!stream.grant.private) return stream;
    const verdict = token ? verifyPlaybackToken(this.config.MEDIAPLANE_PLAYBACK_SECRET, token, streamId) : undefined;
    if (verdict?.ok) return stream;
    const reason = verdict ? verdict.reason : 'missing';
    this.metrics.authFailures.inc({ kind: 'whep', reason });
    if (!token) throw new UnauthorizedException('this stream is private: a playback token (?token=) is required');
    if (reason === 'expired') throw new ForbiddenException('token has expired');
    throw new HttpException('token is not valid for this stream', HttpStatus.FORBIDDEN);
  }
}
