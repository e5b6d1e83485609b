import { EventEmitter } from 'node:events';
import type { RTCDataChannel } from 'werift';
import type { RtcDataChannel, RtcDataChannelEvents } from '../rtc-engine';
import type { WeriftRegistry } from './werift-registry';

/** The peer's negotiated data channel, as the engine interface's RtcDataChannel. */
export class WeriftDataChannel extends EventEmitter<RtcDataChannelEvents> implements RtcDataChannel {
  private readonly unsubscribes: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly channel: RTCDataChannel,
    private readonly registry: WeriftRegistry,
  ) {
    super();
    registry.dataChannels.add(this);
    this.unsubscribes.push(channel.onMessage.subscribe((data) => this.emit('message', data)).unSubscribe);
    this.unsubscribes.push(
      channel.stateChanged.subscribe((state) => {
        if (state === 'open') this.emit('open');
        if (state === 'closed') this.close();
      }).unSubscribe,
    );
  }

  get label(): string {
    return this.channel.label;
  }

  get isOpen(): boolean {
    return !this.closed && this.channel.readyState === 'open';
  }

  send(data: string | Buffer): void {
    if (!this.isOpen) throw new Error(`data channel ${this.label} is not open`);
    this.channel.send(data);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.registry.dataChannels.delete(this);
    try {
      this.channel.close();
    } catch {
      // the SCTP association is already gone with its peer connection
    }
    this.emit('closed');
  }
}
