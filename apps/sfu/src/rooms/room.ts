import {
  DEVICE_INPUT_RESULT_SENDER,
  RoomDeviceInputMessageSchema,
  type DeviceInputResult,
  type RoomClientMessage,
  type RoomDeviceInputMessage,
  type RoomServerMessage,
} from '@mediaplane/contracts';
import type { RtcDataChannel, RtcPeer, RtcProducer, RtcRouter } from '../engine/rtc-engine';
import { RtcNegotiationError } from '../engine/rtc-engine';
import type { RoomParticipantSession } from './room-participant';

type Request<T extends RoomClientMessage['type']> = Extract<RoomClientMessage, { type: T }>;

/** Reserves a peer slot within the node's limits; the release runs when the peer closes. */
export type ReservePeer = () => () => void;
export type WatchPeer = (peer: RtcPeer, release: () => void) => void;
/** Forwards a participant's remote-input message to the device (checks grants and rates); resolves with what to tell the sender. */
export type ForwardDeviceInput = (room: Room, participant: RoomParticipantSession, message: RoomDeviceInputMessage) => Promise<DeviceInputResult>;

/** Data-channel messages larger than this are never taken for remote input (they are relayed as they are). */
const MAX_INPUT_MESSAGE_BYTES = 4096;

export class RoomRequestError extends Error {
  constructor(
    readonly code: 'forbidden' | 'not_found' | 'bad_offer' | 'limit',
    message: string,
  ) {
    super(message);
  }
}

/**
 * A room: one router, its participants and their producers. Every
 * participant sees who is there and what they publish; subscribing is
 * asking for chosen producers with an offer. Application messages on any
 * participant's data channel reach every other participant's channel.
 */
export class Room {
  readonly participants = new Map<string, RoomParticipantSession>();

  constructor(
    readonly id: string,
    readonly router: RtcRouter,
    private readonly maxParticipants: number,
    private readonly reservePeer: ReservePeer,
    private readonly watchPeer: WatchPeer,
    private readonly forwardInput?: ForwardDeviceInput,
  ) {}

  get isEmpty(): boolean {
    return this.participants.size === 0;
  }

  join(participant: RoomParticipantSession): void {
    if (this.participants.size >= this.maxParticipants) throw new RoomRequestError('limit', `the room is full (${this.maxParticipants} participants)`);
    const others = [...this.participants.values()];
    this.participants.set(participant.id, participant);
    participant.send({
      type: 'joined',
      roomId: this.id,
      participantId: participant.id,
      identity: participant.identity,
      grants: participant.grants,
      participants: others.map((p) => p.view()),
    });
    this.broadcast({ type: 'participant-joined', participant: participant.view() }, participant);
  }

  leave(participant: RoomParticipantSession): void {
    if (!this.participants.delete(participant.id)) return;
    const producerIds = [...participant.producers.keys()];
    participant.close();
    for (const producerId of producerIds) this.broadcast({ type: 'producer-removed', participantId: participant.id, producerId });
    this.broadcast({ type: 'participant-left', participantId: participant.id });
  }

  async publish(participant: RoomParticipantSession, request: Request<'publish'>): Promise<void> {
    if (!participant.grants.publish) throw new RoomRequestError('forbidden', 'this token may not publish');
    const { peer, producers, answerSdp } = await this.negotiate(() => this.router.receive(request.sdp, { label: `room:${this.id}`, enableDataChannel: true }));
    if (participant.isClosed) return peer.close();
    participant.publishPeers.add(peer);
    for (const producer of producers) this.addProducer(participant, producer);
    this.attachDataChannel(participant, peer.dataChannel);
    peer.once('closed', () => participant.publishPeers.delete(peer));
    participant.send({ type: 'published', requestId: request.requestId, sdp: answerSdp, producers: producers.map((p) => participant.producerView(p)) });
  }

  async subscribe(participant: RoomParticipantSession, request: Request<'subscribe'>): Promise<void> {
    if (!participant.grants.subscribe) throw new RoomRequestError('forbidden', 'this token may not subscribe');
    const producers = request.producerIds.map((id) => this.findProducer(id));
    const { peer, consumers, answerSdp } = await this.negotiate(() =>
      this.router.send(request.sdp, producers, { label: `room:${this.id}`, enableDataChannel: true }),
    );
    if (participant.isClosed) return peer.close();
    const subscription = { id: peer.id, peer, consumers };
    participant.subscriptions.set(subscription.id, subscription);
    peer.once('closed', () => participant.subscriptions.delete(subscription.id));
    this.attachDataChannel(participant, peer.dataChannel);
    participant.send({
      type: 'subscribed',
      requestId: request.requestId,
      subscriptionId: subscription.id,
      sdp: answerSdp,
      consumers: consumers.map((c) => ({ consumerId: c.id, producerId: c.producerId, kind: c.kind })),
    });
  }

  unsubscribe(participant: RoomParticipantSession, request: Request<'unsubscribe'>): void {
    const subscription = participant.subscriptions.get(request.subscriptionId);
    if (!subscription) throw new RoomRequestError('not_found', 'no such subscription');
    subscription.peer.close();
    participant.send({ type: 'ok', requestId: request.requestId });
  }

  mute(participant: RoomParticipantSession, request: Request<'mute'>): void {
    const owner = [...this.participants.values()].find((p) => p.producers.has(request.producerId));
    const producer = owner?.producers.get(request.producerId);
    if (!owner || !producer) throw new RoomRequestError('not_found', 'no such producer in this room');
    if (owner !== participant && !participant.grants.control)
      throw new RoomRequestError('forbidden', "muting another participant's producer needs the control grant");
    if (request.muted) producer.pause();
    else producer.resume();
    participant.send({ type: 'ok', requestId: request.requestId });
    this.broadcast({ type: 'producer-muted', participantId: owner.id, producerId: producer.id, muted: request.muted });
  }

  /** Closes every participant and the router (the node is draining). */
  close(): void {
    for (const participant of this.participants.values()) {
      participant.close();
      participant.closeLink(1001, 'the SFU is shutting down');
    }
    this.participants.clear();
    this.router.close();
  }

  private addProducer(participant: RoomParticipantSession, producer: RtcProducer): void {
    participant.producers.set(producer.id, producer);
    producer.once('closed', () => {
      if (!participant.producers.delete(producer.id)) return;
      this.broadcast({ type: 'producer-removed', participantId: participant.id, producerId: producer.id });
    });
    this.broadcast({ type: 'producer-added', participantId: participant.id, producer: participant.producerView(producer) }, participant);
  }

  private findProducer(producerId: string): RtcProducer {
    for (const participant of this.participants.values()) {
      const producer = participant.producers.get(producerId);
      if (producer && !producer.closed) return producer;
    }
    throw new RoomRequestError('not_found', `no producer ${producerId} in this room`);
  }

  private attachDataChannel(participant: RoomParticipantSession, channel: RtcDataChannel | undefined): void {
    if (!channel) return;
    participant.addDataChannel(channel);
    channel.on('message', (data) => {
      if (typeof data === 'string' && this.forwardInput && this.handleInput(participant, channel, data)) return;
      const envelope = JSON.stringify(
        typeof data === 'string' ? { from: participant.id, data } : { from: participant.id, dataBase64: data.toString('base64') },
      );
      for (const other of this.participants.values()) if (other !== participant) other.deliveryChannel?.send(envelope);
    });
  }

  /**
   * A `device-input` message is for the SFU, not the room: it is taken off the channel (never relayed), forwarded by
   * `forwardInput` and answered on the sender's channel only. Returns false for any other message.
   */
  private handleInput(participant: RoomParticipantSession, channel: RtcDataChannel, data: string): boolean {
    if (data.length > MAX_INPUT_MESSAGE_BYTES || !data.startsWith('{') || !data.includes('device-input')) return false;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return false;
    }
    if (typeof parsed !== 'object' || parsed === null || (parsed as { type?: unknown }).type !== 'device-input') return false;
    const reply = (result: DeviceInputResult) => {
      if (channel.isOpen) channel.send(JSON.stringify({ from: DEVICE_INPUT_RESULT_SENDER, data: result }));
    };
    const message = RoomDeviceInputMessageSchema.safeParse(parsed);
    const requestId = (parsed as { requestId?: unknown }).requestId;
    if (!message.success) {
      const issue = message.error.issues[0];
      reply({
        type: 'device-input-result',
        ...(typeof requestId === 'string' ? { requestId: requestId.slice(0, 64) } : {}),
        ok: false,
        code: 'bad_message',
        message: issue ? `${issue.path.map(String).join('.')}: ${issue.message}` : 'invalid device-input message',
      });
      return true;
    }
    void this.forwardInput!(this, participant, message.data).then(reply, () =>
      reply({
        type: 'device-input-result',
        ...(message.data.requestId ? { requestId: message.data.requestId } : {}),
        ok: false,
        code: 'failed',
        message: 'input failed',
      }),
    );
    return true;
  }

  /** Runs an engine negotiation within the node's peer limits; a bad offer is the client's error. */
  private async negotiate<T extends { peer: RtcPeer }>(run: () => Promise<T>): Promise<T> {
    const release = this.reservePeer();
    try {
      const result = await run();
      this.watchPeer(result.peer, release);
      return result;
    } catch (error) {
      release();
      if (error instanceof RtcNegotiationError) throw new RoomRequestError('bad_offer', `the offer cannot be answered: ${error.message}`);
      throw error;
    }
  }

  private broadcast(message: RoomServerMessage, except?: RoomParticipantSession): void {
    for (const participant of this.participants.values()) if (participant !== except) participant.send(message);
  }
}
