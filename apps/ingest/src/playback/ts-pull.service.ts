import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mpegTsHubEncoderFor, nextViewerId } from '@mediaplane/media-io';
import { sendJsonError } from '@mediaplane/service-kit';
import { MediaConnectionsService } from '../limits/media-connections.service';
import { IngestMetrics } from '../observability/ingest-metrics';
import { PlaybackAccessService } from './playback-access.service';
import { serveHubHttpBody } from './hub-http-body';

/**
 * The internal pull as MPEG-TS: `GET /live/{streamId}.ts` with an internal
 * token or pull ticket (as the FLV pull), for platform services whose FFmpeg
 * cannot read the stream's FLV — Debian's FFmpeg 5.1 reads neither E-RTMP
 * 'hvc1' nor codec-id-12 HEVC in FLV, but reads HEVC in MPEG-TS. The bytes
 * come from the stream's one MpegTsHubEncoder (the SRT play muxer): each
 * frame is muxed once, whoever pulls it; the pull starts at the GOP cache
 * with PAT/PMT and parameter sets before the keyframe.
 *
 * Internal only (players have HTTP-FLV and SRT) and only for streams
 * published on this node, like every internal pull. What the muxer carries:
 * H.264/HEVC (legacy or E-RTMP) and AAC; other codecs (AV1, VP9, Opus) are
 * dropped, counted in the encoder's droppedFrames.
 */
@Injectable()
export class TsPullService {
  constructor(
    private readonly access: PlaybackAccessService,
    private readonly connections: MediaConnectionsService,
    private readonly metrics: IngestMetrics,
  ) {}

  serve(streamId: string, token: string | undefined, req: IncomingMessage, res: ServerResponse): void {
    const access = this.access.check(streamId, token);
    if (!access.ok) return sendJsonError(res, access.status, access.message);
    if (access.counted) return sendJsonError(res, 403, 'the MPEG-TS pull is internal: it needs an internal token or pull ticket');
    if (access.session.isEnded) return sendJsonError(res, 404, `stream ${streamId} has ended`);
    const grant = this.connections.acquire('flv', req.socket.remoteAddress);
    if (!grant.ok) return sendJsonError(res, 503, 'too many connections');
    const hub = access.session.hub;
    serveHubHttpBody(req, res, {
      hub,
      id: nextViewerId('ts'),
      protocol: 'ts',
      counted: false,
      encoder: mpegTsHubEncoderFor(hub),
      contentType: 'video/mp2t',
      metrics: this.metrics,
      bytesLabel: 'ts',
      release: () => grant.release(),
    });
  }
}
