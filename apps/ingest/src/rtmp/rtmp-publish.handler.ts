import { Inject, Injectable } from '@nestjs/common';
import type { PublishProtocol } from '@mediaplane/contracts';
import { RtmpProtocolError, type RtmpPublishRequest, type RtmpServerConnection } from '@mediaplane/media-io';
import type { Logger } from '@mediaplane/observability';
import { LOGGER } from '@mediaplane/service-kit';
import { normalizeAddress } from '@mediaplane/sessions';
import { PublishAuthorizer } from '../publish/publish-authorizer.service';
import { PublishSessionsService } from '../publish/publish-sessions.service';
import type { PublisherHandle } from '../publish/publisher-handle';

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
    const outcome = await this.authorizer.authorize(protocol, request.streamName, remoteAddress);
    if (connection.isClosed) return;
    if (!outcome.ok) {
      request.reject({ description: outcome.description });
      return;
    }
    const { grant } = outcome;
    const publisher: PublisherHandle = { protocol, remoteAddress, close: (reason) => connection.close(reason) };
    const session = await this.sessions.start(grant, publisher);
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
    this.logger.debug({ streamId: grant.streamId }, 'rtmp publisher accepted');
  }
}
