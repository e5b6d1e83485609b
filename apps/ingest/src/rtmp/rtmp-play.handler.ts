import { Inject, Injectable } from '@nestjs/common';
import { RtmpHubEncoder, nextViewerId, parseRtmpEnhancedCapabilities, type RtmpPlayRequest, type RtmpServerConnection } from '@mediaplane/media-io';
import { APP_CONFIG } from '@mediaplane/service-kit';
import type { IngestConfig } from '../ingest.config';
import { IngestMetrics } from '../observability/ingest-metrics';
import { PublishSessionsService } from '../publish/publish-sessions.service';
import { PlaybackAccessService } from '../playback/playback-access.service';
import { RtmpPlaySink } from '../playback/viewer-sinks';
import { enhancedPlayRefusal } from './enhanced-play-check';
import { RTMP_APP } from './rtmp-publish.handler';

/** How often a waiting player looks for its stream on other nodes. */
const WAIT_POLL_MS = 500;
/** How often a player of a stream without media yet looks whether its codecs are known. */
const CODEC_POLL_MS = 100;

const PLAY_STATUS: Record<number, string> = {
  400: 'NetStream.Play.StreamNotFound',
  401: 'NetStream.Play.Failed',
  403: 'NetStream.Play.Failed',
  404: 'NetStream.Play.StreamNotFound',
  503: 'NetStream.Play.Failed',
};

/**
 * RTMP play by public stream id: `rtmp://HOST/live/{streamId}` (private
 * streams add `?token=` to the stream name or the app). Same access rules
 * as HTTP-FLV; the viewer joins the stream's hub with the RTMP encoder for
 * its chunk size, so its frames are chunked once for all RTMP viewers. A
 * stream published on another ingest node is relayed from there; one that
 * is live nowhere yet is waited for (INGEST_PLAY_WAIT_MS), here or anywhere.
 * A stream whose tags are Enhanced RTMP (HEVC/AV1/VP9 video, Opus audio, ...)
 * plays only for players whose connect announced those FourCCs; others get
 * NetStream.Play.Failed saying why, and no media.
 */
@Injectable()
export class RtmpPlayHandler {
  constructor(
    private readonly access: PlaybackAccessService,
    private readonly sessions: PublishSessionsService,
    private readonly metrics: IngestMetrics,
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
  ) {}

  async handle(connection: RtmpServerConnection, request: RtmpPlayRequest): Promise<void> {
    if (request.app !== RTMP_APP) {
      request.reject({ code: 'NetStream.Play.StreamNotFound', description: `unknown application; play from /${RTMP_APP}/{streamId}` });
      return;
    }
    const token = request.query.get('token') ?? request.appQuery.get('token') ?? undefined;
    let access = await this.access.resolve(request.streamName, token || undefined);
    const deadline = Date.now() + this.config.INGEST_PLAY_WAIT_MS;
    // A player that arrives before the publisher (a player started first, a publisher reconnecting) waits a
    // while: woken at once by a publisher here, and looking the stream up in the cluster every WAIT_POLL_MS.
    while (!access.ok && access.status === 404 && Date.now() < deadline) {
      await this.sessions.whenLive(request.streamName, Math.min(WAIT_POLL_MS, deadline - Date.now()));
      if (connection.isClosed) return;
      access = await this.access.resolve(request.streamName, token || undefined);
    }
    if (connection.isClosed) return;
    if (!access.ok) {
      request.reject({ code: PLAY_STATUS[access.status] ?? 'NetStream.Play.Failed', description: access.message });
      return;
    }
    const { session, counted } = access;
    if (session.isEnded) {
      request.reject({ code: 'NetStream.Play.StreamNotFound', description: 'the stream has ended' });
      return;
    }
    // Which codecs the tags carry is known from the first media on; a brand-new stream gets a moment to show them.
    const codecDeadline = Date.now() + this.config.INGEST_CODEC_WAIT_MS;
    while (!session.hub.tracks.mediaSeen && !session.isEnded && !connection.isClosed && Date.now() < codecDeadline) {
      await new Promise((resolve) => setTimeout(resolve, CODEC_POLL_MS));
    }
    if (connection.isClosed) return;
    const refusal = enhancedPlayRefusal(session.hub.tracks, connection.connectInfo?.enhanced ?? parseRtmpEnhancedCapabilities({}));
    if (refusal !== undefined) {
      this.metrics.playRefusals.inc({ reason: 'codec_not_announced' });
      request.reject({ code: 'NetStream.Play.Failed', description: refusal });
      return;
    }
    request.accept();
    if (connection.isClosed) return;
    const viewer = session.hub.addViewer({
      id: nextViewerId('rtmp'),
      protocol: 'rtmp',
      counted,
      encoder: new RtmpHubEncoder(connection.chunkSize, request.streamId),
      sink: new RtmpPlaySink(connection, this.metrics),
    });
    const detach = (): void => session.hub.removeViewer(viewer.id);
    // The stream id, not the request: these listeners live as long as the viewer, and the request holds its
    // parsed query and its accept/reject closures.
    const { streamId } = request;
    connection.on('playStop', (info) => {
      if (info.streamId === streamId) detach();
    });
    connection.once('close', detach);
  }
}
