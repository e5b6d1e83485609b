import { Inject, Injectable } from '@nestjs/common';
import { StreamIdSchema } from '@mediaplane/contracts';
import type { StreamHub } from '@mediaplane/media-io';
import { APP_CONFIG } from '@mediaplane/service-kit';
import { verifyPlaybackToken } from '@mediaplane/sessions';
import type { IngestConfig } from '../ingest.config';
import { IngestMetrics } from '../observability/ingest-metrics';
import { PublishSessionsService } from '../publish/publish-sessions.service';
import { RelayPullsService } from '../relay/relay-pulls.service';
import { UsedTickets } from './used-tickets';

/** What a player attaches to: a stream published on this node, or this node's relay of one published elsewhere. */
export interface PlaybackSource {
  readonly hub: StreamHub;
  readonly isEnded: boolean;
}

/** The answer for streams published on this node (`check`). */
export type PlaybackAccess =
  | { ok: true; session: PlaybackSource; /** false for internal pulls (transcode, SFU bridge, relaying nodes). */ counted: boolean }
  | { ok: false; status: 400 | 401 | 403 | 404; message: string };

/** The answer for streams live anywhere (`resolve`): also 503 when the origin did not deliver in time. */
export type ClusterPlaybackAccess = PlaybackAccess | { ok: false; status: 503; message: string };

/**
 * The one place playback is allowed or refused, for RTMP, HTTP-FLV and
 * WS-FLV alike: the stream must be live (on this node, or — with `resolve` —
 * anywhere in the cluster, relayed here); a private stream needs a valid
 * token for it (the same check whichever node serves it); an internal-scope
 * token (platform pulls) opens any stream and is not counted as a viewer; a
 * pull ticket (an internal token with a nonce) opens it once per node.
 */
@Injectable()
export class PlaybackAccessService {
  private readonly usedTickets = new UsedTickets();

  constructor(
    private readonly sessions: PublishSessionsService,
    private readonly relays: RelayPullsService,
    private readonly metrics: IngestMetrics,
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
  ) {}

  /** Streams published on this node only (no lookup, no relay). */
  check(streamId: string, token: string | undefined): PlaybackAccess {
    if (!StreamIdSchema.safeParse(streamId).success) return badId();
    const session = this.sessions.get(streamId);
    if (!session) return { ok: false, status: 404, message: `stream ${streamId} is not live on this node` };
    const verdict = this.verifyToken(streamId, token, session.grant.private, true);
    return verdict.ok ? { ok: true, session, counted: verdict.counted } : verdict;
  }

  /**
   * Streams live anywhere: published here, or relayed from the node that
   * holds them (one pull per stream per node). 404 only when the stream is
   * not live in the cluster; 503 when its origin did not deliver in time.
   * The token is checked before any pull opens. Internal pulls are served
   * from streams published here only, so relays never chain.
   */
  async resolve(streamId: string, token: string | undefined): Promise<ClusterPlaybackAccess> {
    const local = this.check(streamId, token);
    if (local.ok || local.status !== 404) return local;
    const target = await this.relays.locate(streamId);
    if (!target) return { ok: false, status: 404, message: `stream ${streamId} is not live` };
    const verdict = this.verifyToken(streamId, token, target.isPrivate, false);
    if (!verdict.ok) return verdict;
    if (!verdict.counted) return { ok: false, status: 404, message: `stream ${streamId} is not published on this node; internal pulls go to its origin` };
    const found = await this.relays.attach(target);
    // The stream may have started here meanwhile: the local session wins.
    if (this.sessions.get(streamId)) {
      if (found.kind === 'relay') found.pull.checkIdle();
      return this.check(streamId, token);
    }
    if (found.kind === 'not_live') return { ok: false, status: 404, message: `stream ${streamId} is not live` };
    if (found.kind === 'unavailable') return { ok: false, status: 503, message: `stream ${streamId} is live on another node that did not deliver it in time; try again` };
    return { ok: true, session: found.pull, counted: true };
  }

  /**
   * The token rules: a private stream needs a valid token for it; an
   * internal-scope token is served uncounted; a pull ticket is spent here
   * (only where it is served: `spendTicket`).
   */
  private verifyToken(
    streamId: string,
    token: string | undefined,
    isPrivate: boolean,
    spendTicket: boolean,
  ): { ok: true; counted: boolean } | Extract<PlaybackAccess, { ok: false }> {
    const verdict = token ? verifyPlaybackToken(this.config.MEDIAPLANE_PLAYBACK_SECRET, token, streamId) : undefined;
    const internal = verdict?.ok === true && verdict.claims.scope === 'internal';
    if (spendTicket && verdict?.ok === true && verdict.claims.nonce !== undefined && !this.usedTickets.claim(verdict.claims.nonce, verdict.claims.expiresAt.getTime())) {
      this.metrics.authFailures.inc({ kind: 'playback', reason: 'ticket_used' });
      return { ok: false, status: 403, message: 'this pull ticket was already used' };
    }
    if (isPrivate && verdict?.ok !== true) {
      const reason = verdict ? verdict.reason : 'missing';
      this.metrics.authFailures.inc({ kind: 'playback', reason });
      return token
        ? { ok: false, status: 403, message: `token ${reason === 'expired' ? 'has expired' : 'is not valid for this stream'}` }
        : { ok: false, status: 401, message: 'this stream is private: a playback token (?token=) is required' };
    }
    return { ok: true, counted: !internal };
  }
}

function badId(): PlaybackAccess {
  return { ok: false, status: 400, message: 'streamId must be 1-64 of A-Z a-z 0-9 _ -' };
}
