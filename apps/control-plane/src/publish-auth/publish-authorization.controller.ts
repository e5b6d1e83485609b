import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import type { z } from 'zod';
import { streamContracts, type PublishAuthorizeResponse } from '@mediaplane/contracts';
import { counter, linkActiveSpanTo, type Logger, type Registry } from '@mediaplane/observability';
import { LOGGER, METRICS } from '@mediaplane/service-kit';
import { TakeoverFlags } from '@mediaplane/sessions';
import { StreamStore } from '../streams/stream-store.service';
import { AuthFailureLimiter } from '../auth/auth-failure-limiter';

type AuthorizeRequest = z.output<typeof streamContracts.publishAuthorize.request>;

/**
 * Answers `ingest.v1.publish.authorize` for every publish protocol (RTMP,
 * RTMPS, SRT, WHIP): key hash → stream, or a refusal with its reason.
 * Failures are counted per remote address and answered `rate_limited`
 * beyond the configured limit.
 */
@ApiExcludeController()
@Controller()
export class PublishAuthorizationController {
  private readonly decisions;

  constructor(
    private readonly store: StreamStore,
    private readonly limiter: AuthFailureLimiter,
    private readonly takeovers: TakeoverFlags,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) metrics: Registry,
  ) {
    this.decisions = counter(metrics, 'mediaplane_publish_authorizations_total', 'Publish authorization answers', ['protocol', 'result']);
  }

  @MessagePattern(streamContracts.publishAuthorize.subject)
  async authorize(@Payload() request: AuthorizeRequest): Promise<PublishAuthorizeResponse> {
    const answer = await this.decide(request);
    this.decisions.inc({ protocol: request.protocol, result: answer.ok ? 'ok' : answer.reason });
    // The key hash is as good as the key for this request: it is never logged.
    this.logger.info(
      {
        protocol: request.protocol,
        remoteAddress: request.remoteAddress,
        node: request.node,
        ...(answer.ok ? { streamId: answer.streamId } : { reason: answer.reason }),
      },
      answer.ok ? 'publish authorized' : 'publish refused',
    );
    return answer;
  }

  private async decide(request: AuthorizeRequest): Promise<PublishAuthorizeResponse> {
    try {
      if (await this.limiter.isLimited(request.remoteAddress)) {
        return { ok: false, reason: 'rate_limited', message: 'too many failed publish attempts from this address; try again later' };
      }
      const stream = await this.store.findByKeyHash(request.keyHash);
      if (!stream) {
        await this.limiter.recordFailure(request.remoteAddress);
        return { ok: false, reason: 'unknown_key', message: 'no stream has this key' };
      }
      // RTMP brings no trace context, so a publish is a trace of its own: it links back to the stream's creation.
      linkActiveSpanTo(stream.createdTraceparent, { 'mediaplane.link': 'stream created' });
      // A takeover the API granted goes to this publisher, and to no other.
      const takeover = await this.takeovers.consume(stream.id);
      return {
        ok: true,
        streamId: stream.id,
        name: stream.name,
        private: stream.private,
        record: stream.record,
        ...(stream.ladder ? { ladder: stream.ladder } : {}),
        ...(takeover ? { takeover } : {}),
        // Only an SRT listener can use the passphrase; other protocols never see it on the wire.
        ...(request.protocol === 'srt' && stream.srt ? { srt: stream.srt } : {}),
      };
    } catch (error) {
      this.logger.error({ err: error, protocol: request.protocol }, 'publish authorization failed');
      return { ok: false, reason: 'unavailable', message: 'the stream store is unavailable; try again' };
    }
  }
}
