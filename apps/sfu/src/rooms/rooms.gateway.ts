import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import { RoomClientMessageSchema, RoomIdSchema, type RoomServerMessage } from '@mediaplane/contracts';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, LOGGER, WebSocketUpgradeGateway, refuseWith, type UpgradeDecision } from '@mediaplane/service-kit';
import { verifyRoomToken } from '@mediaplane/sessions';
import { SfuMetrics } from '../metrics/sfu-metrics';
import type { SfuConfig } from '../sfu.config';
import { messageBudget } from './message-budget';
import { RoomParticipantSession } from './room-participant';
import { RoomsService } from './rooms.service';

/** A request carries at most one SDP (64 KiB) and a little JSON around it. */
const MAX_MESSAGE_BYTES = 80 * 1024;

/**
 * Room signalling at `ws://HOST:PORT/rooms/{roomId}?token=…` on the SFU's
 * HTTP server. The token (minted by the control plane) is checked before the
 * upgrade; then every frame is one JSON message validated by its contract,
 * at most SFU_ROOM_MESSAGES_PER_SECOND per socket.
 */
@Injectable()
export class RoomsGateway extends WebSocketUpgradeGateway {
  constructor(
    adapterHost: HttpAdapterHost,
    private readonly rooms: RoomsService,
    private readonly metrics: SfuMetrics,
    @Inject(APP_CONFIG) private readonly config: SfuConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super(adapterHost, { path: /^\/rooms\/([^/]+)$/, notFound: 'rooms are at /rooms/{roomId}', maxPayload: MAX_MESSAGE_BYTES });
  }

  protected decide(req: IncomingMessage, url: URL, match: RegExpExecArray): UpgradeDecision {
    const roomId = match[1] as string;
    if (!RoomIdSchema.safeParse(roomId).success) return refuseWith(400, 'roomId must be 1-64 of A-Z a-z 0-9 _ -');
    if (this.rooms.isDraining) return refuseWith(503, 'this node is shutting down');
    const token = url.searchParams.get('token');
    const verdict = verifyRoomToken(this.config.MEDIAPLANE_PLAYBACK_SECRET, token, roomId);
    if (!verdict.ok) {
      this.metrics.authFailures.inc({ kind: 'room', reason: token ? verdict.reason : 'missing' });
      return token
        ? refuseWith(403, `room token ${verdict.reason === 'expired' ? 'has expired' : 'is not valid for this room'}`)
        : refuseWith(401, 'a room token (?token=) is required');
    }
    return { accept: (ws) => void this.onConnection(ws, roomId, verdict.claims, req.socket.remoteAddress) };
  }

  private async onConnection(
    ws: WebSocket,
    roomId: string,
    claims: { identity: string; grants: { publish: boolean; subscribe: boolean; control: boolean } },
    remoteAddress: string | undefined,
  ): Promise<void> {
    const participant = new RoomParticipantSession(claims.identity, claims.grants, {
      send: (message: RoomServerMessage) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
      },
      close: (code, reason) => ws.close(code, reason),
    });
    ws.on('error', (error) => this.logger.debug({ err: error, roomId }, 'room socket error'));
    let room;
    try {
      room = await this.rooms.join(roomId, participant, remoteAddress);
    } catch (error) {
      participant.send({ type: 'error', code: 'limit', message: error instanceof Error ? error.message : 'cannot join' });
      ws.close(1013, 'cannot join');
      return;
    }
    const joined = room;
    if (ws.readyState !== ws.OPEN) return this.rooms.leave(joined, participant);
    ws.once('close', () => this.rooms.leave(joined, participant));
    const budget = messageBudget(this.config.SFU_ROOM_MESSAGES_PER_SECOND);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!budget()) {
        participant.send({ type: 'error', code: 'limit', message: 'too many messages; slow down' });
        return;
      }
      const parsed = isBinary ? undefined : parseMessage(data);
      if (!parsed?.success) {
        this.metrics.refusals.inc({ kind: 'room', reason: 'bad_message' });
        participant.send({ type: 'error', code: 'bad_message', message: parsed ? describeIssue(parsed.error) : 'messages are JSON text frames' });
        return;
      }
      void this.rooms.handle(joined, participant, parsed.data);
    });
  }
}

function parseMessage(data: RawData) {
  try {
    return RoomClientMessageSchema.safeParse(JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8')));
  } catch {
    return undefined;
  }
}

function describeIssue(error: { issues: Array<{ path: PropertyKey[]; message: string }> }): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.map(String).join('.') || 'message'}: ${issue.message}` : 'invalid message';
}
