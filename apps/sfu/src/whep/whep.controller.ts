import { Controller, Delete, HttpCode, Inject, Options, Param, Patch, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { APP_CONFIG } from '@mediaplane/service-kit';
import type { SfuConfig } from '../sfu.config';
import { parseStreamId } from '../http/stream-id-param';
import { WEBRTC_CORS_HEADERS, readOffer, readTrickle, sendAnswer } from '../http/sdp-http';
import { parseLipSyncParam } from './lip-sync-param';
import { WhepService } from './whep.service';

/**
 * WHEP: `POST /whep/{streamId}` (`?token=` for private streams,
 * `?lipsync=false` for the picture without waiting for the sound) with a
 * receive-only SDP offer; the Location resource takes trickled candidates
 * (PATCH) and stops playback (DELETE).
 */
@Controller('whep')
export class WhepController {
  constructor(
    private readonly whep: WhepService,
    @Inject(APP_CONFIG) private readonly config: SfuConfig,
  ) {}

  private get trickleLimits() {
    return { maxBytes: this.config.SFU_MAX_SDP_BYTES, maxCandidates: this.config.SFU_MAX_CANDIDATES_PER_PATCH };
  }

  @Options([':streamId', ':streamId/:viewerId'])
  preflight(@Res() res: Response): void {
    res.set(WEBRTC_CORS_HEADERS).status(204).end();
  }

  @Post(':streamId')
  async play(@Param('streamId') rawStreamId: string, @Req() req: Request, @Res() res: Response) {
    res.set(WEBRTC_CORS_HEADERS);
    const streamId = parseStreamId(rawStreamId);
    const offer = readOffer(req, this.config.SFU_MAX_SDP_BYTES);
    const token = typeof req.query['token'] === 'string' ? req.query['token'] : undefined;
    const lipSync = parseLipSyncParam(req.query['lipsync']);
    const { answerSdp, viewer } = await this.whep.play(streamId, token, offer, { remoteAddress: req.socket.remoteAddress, lipSync });
    sendAnswer(res, answerSdp, `/whep/${streamId}/${viewer.id}`, viewer.id);
  }

  @Patch(':streamId/:viewerId')
  @HttpCode(204)
  async trickle(@Param('streamId') streamId: string, @Param('viewerId') viewerId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    res.set(WEBRTC_CORS_HEADERS);
    const viewer = this.whep.viewer(parseStreamId(streamId), viewerId);
    const fragment = readTrickle(req, viewer.id, this.trickleLimits);
    await viewer.peer.addRemoteCandidates(fragment.candidates);
  }

  @Delete(':streamId/:viewerId')
  @HttpCode(200)
  stop(@Param('streamId') streamId: string, @Param('viewerId') viewerId: string, @Res({ passthrough: true }) res: Response): void {
    res.set(WEBRTC_CORS_HEADERS);
    this.whep.viewer(parseStreamId(streamId), viewerId).peer.close();
  }
}
