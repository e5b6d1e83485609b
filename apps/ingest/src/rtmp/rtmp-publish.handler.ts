import { Inject, Injectable } from '@nestjs/common';
import type { PublishProtocol } from '@mediaplane/contracts';
import { RtmpProtocolError, type RtmpPublishRequest, type RtmpServerConnection } from '@mediaplane/media-io';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, LOGGER } from '@mediaplane/service-kit';
import { looksLikeRelayToken, normalizeAddress, verifyRelayToken } from '@mediaplane/sessions';
import type { IngestConfig } from '../ingest.config';
import { PublishAuthorizer } from '../publish/publish-authorizer.service';
import { PublishSessionsService } from '../publish/publish-sessions.service';
import type { PublishGrant, PublisherHandle } from '../publish/publisher-handle';

/** The RTMP application name of the public contract: rtmp://HOST/live/{streamKey}. */
export const RTMP_APP = 'live';

/**
 * An RTMP publish request: authorize the key (fail closed), claim the stream
 * (a busy key is refused), accept, then feed the session from the
 * connection's media events until it ends.
 */
@Injectable()
export class RtmpPublishHandler {
  constructor(
    private readonly authorizer: PublishAuthorizer,
    private readonly sessions: PublishSessionsService,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
  ) {}

  async handle(connection: RtmpServerConnection, request: RtmpPublishRequest, protocol: PublishProtocol): Promise<void> {
    const remoteAddress = normalizeAddress(connection.remoteAddress);
    if (this.sessions.isDraining) {
      request.reject({ description: 'server is shutting down' });
      return;
    }
    if (request.app !== RTMP_APP) {
      this.authorizer.refuse(protocol, remoteAddress, 'bad_app', 'unknown application');
      request.reject({ description: `unknown application; publish to /${RTMP_APP}/{streamKey}` });
      return;
    }
    const relay = looksLikeRelayToken(request.streamName);
    const outcome = relay
      ? this.authorizeRelay(remoteAddress, request.streamName)
      : await this.authorizer.authorize(protocol, request.streamName, remoteAddress);
    if (connection.isClosed) return;
    if (!outcome.ok) {
      request.reject({ description: outcome.description });
      return;
    }
    const { grant } = outcome;
    // A relay carries a WHIP stream the SFU holds: it is that stream's publish, whatever carried it here.
    const publisher: PublisherHandle = { protocol: relay ? 'whip' : protocol, remoteAddress, close: (reason) => connection.close(reason) };
    const session = await this.sessions.start(grant, publisher, { relay });
    if (!session) {
      this.authorizer.refuse(protocol, remoteAddress, 'busy', 'already publishing', grant.streamId);
      request.reject({ description: 'already publishing' });
      return;
    }
    if (connection.isClosed) {
      await session.end('publisher_closed');
      return;
    }
    const streamId = request.streamId;
    connection.on('media', (media) => {
      if (media.streamId === streamId) session.onMedia(media.type, media.timestamp, media.payload);
    });
    connection.on('metadata', (metadata) => {
      if (metadata.streamId === streamId) session.onMetadata(metadata.timestamp, metadata.properties, metadata.payload);
    });
    connection.on('data', (data) => {
      if (data.streamId === streamId) session.onData(data.timestamp, data.payload);
    });
    const endedByPeer = (): void => {
      // A silent publisher ends with 'timeout', protocol violations with 'error'; a plain disconnect is the publisher leaving.
      const error = connection.closeReason?.error;
      if (!(error instanceof RtmpProtocolError)) void session.end('publisher_closed');
      else void session.end(error.code === 'idle-timeout' ? 'timeout' : 'error');
    };
    connection.on('unpublish', (info) => {
      if (info.streamId === streamId) endedByPeer();
    });
    connection.on('close', endedByPeer);
    request.accept();
    session.begin();
    this.logger.debug({ streamId: grant.streamId, relay }, 'rtmp publisher accepted');
  }

  /**
   * A relay publish (the SFU's ingest bridge) names a relay token instead of
   * a stream key: signed with the platform secret, it says which stream and
   * whether it is private, so nobody is asked. Refusals count like bad keys.
   */
  private authorizeRelay(remoteAddress: string, token: string): { ok: true; grant: PublishGrant } | { ok: false; description: string } {
    const verdict = verifyRelayToken(this.config.MEDIAPLANE_PLAYBACK_SECRET, token);
    if (!verdict.ok) {
      this.authorizer.refuse('whip', remoteAddress, 'invalid_key', 'invalid relay token');
      return { ok: false, description: 'invalid relay token' };
    }
    const { streamId } = verdict.claims;
    return { ok: true, grant: { streamId, name: streamId, private: verdict.claims.private, record: false } };
  }
}
