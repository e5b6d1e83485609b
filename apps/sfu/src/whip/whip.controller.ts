import { Controller, Delete, Headers, HttpCode, Inject, Options, Param, Patch, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { APP_CONFIG } from '@mediaplane/service-kit';
import type { SfuConfig } from '../sfu.config';
import { parseStreamId } from '../http/stream-id-param';
import { WEBRTC_CORS_HEADERS, readOffer, readTrickle, sendAnswer } from '../http/sdp-http';
import { WhipService } from './whip.service';

/**
 * WHIP (RFC 9725): `POST /whip/{streamId}` with the stream key as bearer
 * token and an SDP offer; the answer's Location is the session resource,
 * which takes trickled candidates (PATCH) and ends the publish (DELETE).
 */
@Controller('whip')
export class WhipController {
  constructor(
    private readonly whip: WhipService,
    @Inject(APP_CONFIG) private readonly config: SfuConfig,
  ) {}

  private get trickleLimits() {
    return { maxBytes: this.config.SFU_MAX_SDP_BYTES, maxCandidates: this.config.SFU_MAX_CANDIDATES_PER_PATCH };
  }

  @Options([':streamId', ':streamId/:sessionId'])
  preflight(@Res() res: Response): void {
    res.set(WEBRTC_CORS_HEADERS).status(204).end();
  }

  @Post(':streamId')
  async publish(
    @Param('streamId') rawStreamId: string,
    @Headers('authorization') authorization: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    res.set(WEBRTC_CORS_HEADERS);
    const streamId = parseStreamId(rawStreamId);
    const offer = readOffer(req, this.config.SFU_MAX_SDP_BYTES);
    const { answerSdp, stream } = await this.whip.publish(streamId, bearerToken(authorization), offer, req.socket.remoteAddress);
    sendAnswer(res, answerSdp, `/whip/${streamId}/${stream.sessionId}`, stream.sessionId);
  }

  @Patch(':streamId/:sessionId')
  @HttpCode(204)
  async trickle(@Param('streamId') streamId: string, @Param('sessionId') sessionId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    res.set(WEBRTC_CORS_HEADERS);
    const stream = this.whip.session(parseStreamId(streamId), sessionId);
    const fragment = readTrickle(req, stream.sessionId, this.trickleLimits);
    await this.whip.trickle(stream, fragment.iceUfrag, fragment.candidates);
  }

  @Delete(':streamId/:sessionId')
  @HttpCode(200)
  async stop(@Param('streamId') streamId: string, @Param('sessionId') sessionId: string, @Res({ passthrough: true }) res: Response) {
    res.set(WEBRTC_CORS_HEADERS);
    await this.whip.stop(this.whip.session(parseStreamId(streamId), sessionId));
  }
}

function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return match?.[1];
}
