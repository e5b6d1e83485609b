import { Inject, Injectable } from '@nestjs/common';
import { StreamIdSchema } from '@mediaplane/contracts';
import { APP_CONFIG } from '@mediaplane/service-kit';
import { verifyPlaybackToken } from '@mediaplane/sessions';
import type { IngestConfig } from '../ingest.config';
import { IngestMetrics } from '../observability/ingest-metrics';
import type { PublishSession } from '../publish/publish-session';
import { PublishSessionsService } from '../publish/publish-sessions.service';
import { UsedTickets } from './used-tickets';

export type PlaybackAccess =
  | { ok: true; session: PublishSession; /** false for internal pulls (transcode, SFU bridge). */ counted: boolean }
  | { ok: false; status: 400 | 401 | 403 | 404; message: string };

/**
 * The one place playback is allowed or refused, for RTMP, HTTP-FLV and
 * WS-FLV alike: the stream must be live on this node; a private stream needs
 * a valid token for it; an internal-scope token (platform pulls) opens any
 * stream and is not counted as a viewer; a pull ticket (an internal token
 * with a nonce) opens it once.
 */
@Injectable()
export class PlaybackAccessService {
  private readonly usedTickets = new UsedTickets();

  constructor(
    private readonly sessions: PublishSessionsService,
    private readonly metrics: IngestMetrics,
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
  ) {}

  check(streamId: string, token: string | undefined): PlaybackAccess {
    if (!StreamIdSchema.safeParse(streamId).success) {
      return { ok: false, status: 400, message: 'streamId must be 1-64 of A-Z a-z 0-9 _ -' };
    }
    const session = this.sessions.get(streamId);
    if (!session) return { ok: false, status: 404, message: `stream ${streamId} is not live on this node` };
    const verdict = token ? verifyPlaybackToken(this.config.MEDIAPLANE_PLAYBACK_SECRET, token, streamId) : undefined;
    const internal = verdict?.ok === true && verdict.claims.scope === 'internal';
    if (verdict?.ok === true && verdict.claims.nonce !== undefined && !this.usedTickets.claim(verdict.claims.nonce, verdict.claims.expiresAt.getTime())) {
      this.metrics.authFailures.inc({ kind: 'playback', reason: 'ticket_used' });
      return { ok: false, status: 403, message: 'this pull ticket was already used' };
    }
    if (session.grant.private && verdict?.ok !== true) {
      const reason = verdict ? verdict.reason : 'missing';
      this.metrics.authFailures.inc({ kind: 'playback', reason });
      return token
        ? { ok: false, status: 403, message: `token ${reason === 'expired' ? 'has expired' : 'is not valid for this stream'}` }
        : { ok: false, status: 401, message: 'this stream is private: a playback token (?token=) is required' };
    }
    return { ok: true, session, counted: !internal };
  }
}
