import { HttpException, Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { captureContracts, type DeviceInputResult, type RoomClientMessage, type RoomDeviceInputMessage } from '@mediaplane/contracts';
import { BusRequestError, type Bus } from '@mediaplane/messaging';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, BUS, LOGGER, LoadReporterService, ShutdownService } from '@mediaplane/service-kit';
import { RtcEngineHost } from '../engine/rtc-engine-host.service';
import { PeerAdmissionService } from '../limits/peer-admission.service';
import { SfuMetrics } from '../metrics/sfu-metrics';
import type { SfuConfig } from '../sfu.config';
import { messageBudget } from './message-budget';
import { Room, RoomRequestError } from './room';
import type { RoomParticipantSession } from './room-participant';

/**
 * The rooms on this node: a room exists while somebody is in it (created on
 * the first join, closed with the last leave). Dispatches each participant's
 * requests to its room and turns failures into `error` messages.
 */
@Injectable()
export class RoomsService implements OnModuleInit {
  private readonly rooms = new Map<string, Room>();
  /** Joins in flight per room, so two first joins share one router. */
  private readonly opening = new Map<string, Promise<Room>>();
  private draining = false;
  /** Remote-input budget per participant (its own bucket: one flooding viewer never slows another). */
  private readonly inputBudgets = new WeakMap<RoomParticipantSession, () => boolean>();

  constructor(
    private readonly engineHost: RtcEngineHost,
    private readonly admission: PeerAdmissionService,
    private readonly metrics: SfuMetrics,
    private readonly shutdown: ShutdownService,
    private readonly load: LoadReporterService,
    @Inject(APP_CONFIG) private readonly config: SfuConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(BUS) private readonly bus: Bus,
  ) {}

  onModuleInit(): void {
    this.shutdown.onDrain('rooms', async () => {
      this.draining = true;
      for (const room of this.rooms.values()) room.close();
      this.rooms.clear();
    });
    this.load.addUnit('rooms', () => this.rooms.size);
    this.load.addUnit('roomParticipants', () => [...this.rooms.values()].reduce((n, r) => n + r.participants.size, 0));
  }

  get isDraining(): boolean {
    return this.draining;
  }

  async join(roomId: string, participant: RoomParticipantSession, remoteAddress: string | undefined): Promise<Room> {
    const room = await this.open(roomId, remoteAddress);
    try {
      room.join(participant);
    } catch (error) {
      this.closeIfEmpty(room);
      throw error;
    }
    this.metrics.sessionsStarted.inc({ kind: 'room' });
    this.logger.info({ roomId, participantId: participant.id, participants: room.participants.size }, 'participant joined');
    return room;
  }

  leave(room: Room, participant: RoomParticipantSession): void {
    room.leave(participant);
    this.logger.info({ roomId: room.id, participantId: participant.id, participants: room.participants.size }, 'participant left');
    this.closeIfEmpty(room);
  }

  /** Runs one request; any failure goes back to the participant as an `error` message, never up. */
  async handle(room: Room, participant: RoomParticipantSession, message: RoomClientMessage): Promise<void> {
    const requestId = 'requestId' in message ? message.requestId : undefined;
    try {
      switch (message.type) {
        case 'publish':
          return await room.publish(participant, message);
        case 'subscribe':
          return await room.subscribe(participant, message);
        case 'unsubscribe':
          return room.unsubscribe(participant, message);
        case 'mute':
          return room.mute(participant, message);
        case 'leave':
          participant.closeLink(1000, 'left');
          return;
      }
    } catch (error) {
      if (error instanceof RoomRequestError) {
        this.metrics.refusals.inc({ kind: 'room', reason: error.code });
        participant.send({ type: 'error', ...(requestId ? { requestId } : {}), code: error.code, message: error.message });
        return;
      }
      this.logger.error({ err: error, roomId: room.id, type: message.type }, 'room request failed');
      participant.send({ type: 'error', ...(requestId ? { requestId } : {}), code: 'internal', message: 'the request failed' });
    }
  }

  private async open(roomId: string, remoteAddress: string | undefined): Promise<Room> {
    const existing = this.rooms.get(roomId);
    if (existing && !existing.router.closed) return existing;
    let opening = this.opening.get(roomId);
    if (!opening) {
      opening = this.engineHost.engine.createRouter(`room:${roomId}`).then((router) => {
        const room = new Room(
          roomId,
          router,
          this.config.SFU_ROOM_MAX_PARTICIPANTS,
          () => this.reservePeer(remoteAddress),
          (peer, release) => this.admission.watch(peer, release),
          (r, participant, message) => this.forwardInput(r, participant, message),
        );
        this.rooms.set(roomId, room);
        return room;
      });
      this.opening.set(roomId, opening);
      void opening.finally(() => this.opening.delete(roomId)).catch(() => undefined);
    }
    return opening;
  }

  /**
   * Remote input from a room's data channel to a device (`capture.v1.device.<id>.input`, answered by the device's
   * agent). Allowed only to participants holding the control grant, only for the room's own device (a device's room
   * is the room named by its id), within SFU_ROOM_INPUT_PER_SECOND per participant.
   */
  private async forwardInput(room: Room, participant: RoomParticipantSession, message: RoomDeviceInputMessage): Promise<DeviceInputResult> {
    const base = { type: 'device-input-result' as const, ...(message.requestId ? { requestId: message.requestId } : {}) };
    const refuse = (code: NonNullable<DeviceInputResult['code']>, text: string): DeviceInputResult => {
      this.metrics.refusals.inc({ kind: 'room-input', reason: code });
      return { ...base, ok: false, code, message: text };
    };
    if (!participant.grants.control) return refuse('forbidden', 'remote input needs a room token with the control grant');
    if (message.deviceId !== room.id) return refuse('forbidden', `device ${message.deviceId} is not this room's device (room ${room.id})`);
    let budget = this.inputBudgets.get(participant);
    if (!budget) this.inputBudgets.set(participant, (budget = messageBudget(this.config.SFU_ROOM_INPUT_PER_SECOND)));
    if (!budget()) return refuse('rate_limited', `at most ${this.config.SFU_ROOM_INPUT_PER_SECOND} input events per second`);
    try {
      await this.bus.request(captureContracts.deviceInput, { deviceId: message.deviceId }, message.command, { timeoutMs: 5000 });
    } catch (error) {
      if (!(error instanceof BusRequestError)) throw error;
      if (error.code !== 'remote_error') return refuse('unavailable', `the device's capture agent did not answer (${error.code})`);
      const text = error.message.replace(/^.*?(unknown_device|no_input|rate_limited|outside_screen): /, '').slice(0, 300);
      if (/unknown_device:/.test(error.message)) return refuse('not_found', text);
      if (/rate_limited:/.test(error.message)) return refuse('rate_limited', text);
      if (/outside_screen:/.test(error.message)) return refuse('bad_message', text);
      return refuse('failed', text);
    }
    this.logger.debug({ roomId: room.id, participantId: participant.id, type: message.command.type }, 'remote input forwarded');
    return { ...base, ok: true };
  }

  private reservePeer(remoteAddress: string | undefined): () => void {
    try {
      return this.admission.reserve('room', remoteAddress);
    } catch (error) {
      throw new RoomRequestError('limit', error instanceof HttpException ? error.message : 'no room for another peer');
    }
  }

  private closeIfEmpty(room: Room): void {
    if (!room.isEmpty || this.rooms.get(room.id) !== room) return;
    this.rooms.delete(room.id);
    room.router.close();
  }
}
