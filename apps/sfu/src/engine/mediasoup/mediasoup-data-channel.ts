import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { RtcDataChannel, RtcDataChannelEvents } from '../rtc-engine';

/** SCTP payload protocol ids of WebRTC data channels (RFC 8831, 8832). */
const PPID = { dcep: 50, string: 51, binary: 53, emptyString: 56, emptyBinary: 57 } as const;
const DCEP_OPEN = 0x03;
const DCEP_ACK = 0x02;

/** The peer's data channel lives on this SCTP stream (see RTC_DATA_CHANNEL_STREAM_ID in the contract). */
export const DATA_CHANNEL_STREAM_ID = 0;
export const DATA_CHANNEL_DEFAULT_LABEL = 'mediaplane';

/**
 * The peer's one data channel, relayed between the remote peer and Node:
 * remote → a DataProducer on the WebRTC transport (stream 0) → a DataConsumer
 * on a DirectTransport (Node reads it); Node → a DirectTransport DataProducer →
 * a DataConsumer on the WebRTC transport, which mediasoup puts on stream 0 too
 * (its first allocated stream id), so both directions share the channel.
 * Clients may negotiate it out of band (negotiated: true, id 0) or in band:
 * a DCEP OPEN from a browser's createDataChannel(label) on stream 0 (the DTLS
 * client's first even id; we answer passive, so browsers are the client) is
 * acknowledged here, since mediasoup relays DCEP without speaking it.
 */
export class MediasoupDataChannel extends EventEmitter<RtcDataChannelEvents> implements RtcDataChannel {
  label = DATA_CHANNEL_DEFAULT_LABEL;
  private opened = false;
  private ended = false;

  private constructor(
    private readonly transport: types.WebRtcTransport,
    private readonly direct: types.DirectTransport,
    private readonly toRemote: types.DataProducer,
  ) {
    super();
  }

  static async create(transport: types.WebRtcTransport, router: types.Router): Promise<MediasoupDataChannel> {
    const direct = await router.createDirectTransport({ maxSendMessageSize: 262144, maxReceiveMessageSize: 262144 });
    try {
      const fromRemote = await transport.produceData({
        sctpStreamParameters: { streamId: DATA_CHANNEL_STREAM_ID, ordered: true },
        label: DATA_CHANNEL_DEFAULT_LABEL,
      });
      const reader = await direct.consumeData({ dataProducerId: fromRemote.id });
      const toRemote = await direct.produceData({ label: DATA_CHANNEL_DEFAULT_LABEL });
      const writer = await transport.consumeData({ dataProducerId: toRemote.id });
      if (writer.sctpStreamParameters?.streamId !== DATA_CHANNEL_STREAM_ID) {
        throw new Error(`data channel: mediasoup allocated SCTP stream ${writer.sctpStreamParameters?.streamId}, not ${DATA_CHANNEL_STREAM_ID}`);
      }
      const channel = new MediasoupDataChannel(transport, direct, toRemote);
      reader.on('message', (message, ppid) => channel.onMessage(message, ppid));
      transport.on('sctpstatechange', (state) => {
        if (state === 'connected') channel.markOpen();
        else if (state === 'closed' || state === 'failed') channel.close();
      });
      if (transport.sctpState === 'connected') channel.markOpen();
      return channel;
    } catch (error) {
      direct.close();
      throw error;
    }
  }

  get isOpen(): boolean {
    return this.opened && !this.ended;
  }

  send(data: string | Buffer): void {
    if (!this.isOpen) throw new Error('data channel is not open');
    if (typeof data === 'string') {
      if (data.length === 0) this.toRemote.send(' ', PPID.emptyString);
      else this.toRemote.send(data, PPID.string);
    } else if (data.length === 0) this.toRemote.send(Buffer.alloc(1), PPID.emptyBinary);
    else this.toRemote.send(data, PPID.binary);
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.direct.close();
    this.emit('closed');
  }

  private markOpen(): void {
    if (this.opened || this.ended || this.transport.closed) return;
    this.opened = true;
    this.emit('open');
  }

  private onMessage(message: Buffer, ppid: number): void {
    if (this.ended) return;
    switch (ppid) {
      case PPID.dcep:
        this.onDcep(message);
        return;
      case PPID.string:
        this.emit('message', message.toString('utf8'));
        return;
      case PPID.emptyString:
        this.emit('message', '');
        return;
      case PPID.emptyBinary:
        this.emit('message', Buffer.alloc(0));
        return;
      default:
        this.emit('message', Buffer.from(message));
    }
  }

  /** DATA_CHANNEL_OPEN: type, channel type, priority(2), reliability(4), label length(2), protocol length(2), label, protocol. */
  private onDcep(message: Buffer): void {
    if (message.length < 1 || message[0] !== DCEP_OPEN) return;
    if (message.length >= 12) {
      const labelLength = message.readUInt16BE(8);
      if (12 + labelLength <= message.length) this.label = message.subarray(12, 12 + labelLength).toString('utf8');
    }
    this.toRemote.send(Buffer.from([DCEP_ACK]), PPID.dcep);
    this.markOpen();
  }
}
