import { randomUUID } from 'node:crypto';
import type { RoomGrants, RoomParticipant, RoomProducer, RoomServerMessage } from '@mediaplane/contracts';
import type { RtcConsumer, RtcDataChannel, RtcPeer, RtcProducer } from '../engine/rtc-engine';

/** Where a participant's messages go (its WebSocket); closing it ends the participant's session. */
export interface ParticipantLink {
  send(message: RoomServerMessage): void;
  close(code: number, reason: string): void;
}

export interface Subscription {
  id: string;
  peer: RtcPeer;
  consumers: readonly RtcConsumer[];
}

/**
 * One WebSocket in a room: who it is (from its token), what it may do, the
 * peers it published on and the subscriptions it opened. Closing it closes
 * every one of them.
 */
export class RoomParticipantSession {
  readonly id = randomUUID();
  readonly publishPeers = new Set<RtcPeer>();
  readonly producers = new Map<string, RtcProducer>();
  readonly subscriptions = new Map<string, Subscription>();
  private readonly channels: RtcDataChannel[] = [];
  private closed = false;

  constructor(
    readonly identity: string,
    readonly grants: RoomGrants,
    private readonly link: ParticipantLink,
  ) {}

  send(message: RoomServerMessage): void {
    if (!this.closed) this.link.send(message);
  }

  addDataChannel(channel: RtcDataChannel): void {
    this.channels.push(channel);
    channel.once('closed', () => this.channels.splice(this.channels.indexOf(channel), 1));
  }

  /** The channel application messages from others are delivered on: the first open one. */
  get deliveryChannel(): RtcDataChannel | undefined {
    return this.channels.find((c) => c.isOpen);
  }

  producerView(producer: RtcProducer): RoomProducer {
    return { producerId: producer.id, kind: producer.kind, muted: producer.paused };
  }

  view(): RoomParticipant {
    return { participantId: this.id, identity: this.identity, producers: [...this.producers.values()].map((p) => this.producerView(p)) };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Closes every peer of the participant (their producers and consumers go with them). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of this.subscriptions.values()) subscription.peer.close();
    for (const peer of this.publishPeers) peer.close();
    this.subscriptions.clear();
    this.publishPeers.clear();
    this.producers.clear();
  }

  closeLink(code: number, reason: string): void {
    this.link.close(code, reason);
  }
}
