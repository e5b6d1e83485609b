import { RtmpMessageType, RtmpUserControlType } from './rtmp-constants';
import { RtmpProtocolError } from './rtmp-errors';
import type { RtmpMessage } from './rtmp-message';

/** Set Peer Bandwidth limit types (RTMP spec 5.4.5). */
export type RtmpPeerBandwidthLimitType = 'hard' | 'soft' | 'dynamic';

const LIMIT_TYPE_CODES: Record<RtmpPeerBandwidthLimitType, number> = { hard: 0, soft: 1, dynamic: 2 };

/** Decoded User Control event (RTMP spec 7.1.7). */
export type RtmpUserControlEvent =
  | { type: 'streamBegin'; streamId: number }
  | { type: 'streamEof'; streamId: number }
  | { type: 'streamDry'; streamId: number }
  | { type: 'setBufferLength'; streamId: number; bufferMs: number }
  | { type: 'streamIsRecorded'; streamId: number }
  | { type: 'pingRequest'; timestamp: number }
  | { type: 'pingResponse'; timestamp: number }
  | { type: 'unknown'; eventType: number; data: Buffer };

function controlMessage(typeId: number, payload: Buffer): RtmpMessage {
  // Protocol control messages always travel on message stream 0 (and chunk stream 2).
  return { typeId, streamId: 0, timestamp: 0, payload };
}

function uint32Payload(value: number, what: string): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`${what} must be a uint32, got ${value}`);
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(value, 0);
  return payload;
}

export function createSetChunkSizeMessage(chunkSize: number): RtmpMessage {
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 0x7fffffff) {
    throw new RangeError(`chunk size must be in 1..2^31-1, got ${chunkSize}`);
  }
  return controlMessage(RtmpMessageType.SetChunkSize, uint32Payload(chunkSize, 'chunk size'));
}

export function createAbortMessage(csid: number): RtmpMessage {
  return controlMessage(RtmpMessageType.Abort, uint32Payload(csid, 'chunk stream id'));
}

/** `sequenceNumber` is the number of bytes received so far, modulo 2^32. */
export function createAcknowledgementMessage(sequenceNumber: number): RtmpMessage {
  return controlMessage(RtmpMessageType.Acknowledgement, uint32Payload(sequenceNumber >>> 0, 'sequence number'));
}

export function createWindowAckSizeMessage(windowSize: number): RtmpMessage {
  return controlMessage(RtmpMessageType.WindowAckSize, uint32Payload(windowSize, 'window size'));
}

export function createSetPeerBandwidthMessage(windowSize: number, limitType: RtmpPeerBandwidthLimitType = 'dynamic'): RtmpMessage {
  const payload = Buffer.allocUnsafe(5);
  uint32Payload(windowSize, 'window size').copy(payload, 0);
  payload[4] = LIMIT_TYPE_CODES[limitType];
  return controlMessage(RtmpMessageType.SetPeerBandwidth, payload);
}

export function createUserControlMessage(event: Exclude<RtmpUserControlEvent, { type: 'unknown' }>): RtmpMessage {
  let payload: Buffer;
  switch (event.type) {
    case 'setBufferLength':
      payload = Buffer.allocUnsafe(10);
      payload.writeUInt16BE(RtmpUserControlType.SetBufferLength, 0);
      payload.writeUInt32BE(event.streamId, 2);
      payload.writeUInt32BE(event.bufferMs, 6);
      break;
    case 'pingRequest':
    case 'pingResponse':
      payload = Buffer.allocUnsafe(6);
      payload.writeUInt16BE(event.type === 'pingRequest' ? RtmpUserControlType.PingRequest : RtmpUserControlType.PingResponse, 0);
      payload.writeUInt32BE(event.timestamp >>> 0, 2);
      break;
    default: {
      const codes = {
        streamBegin: RtmpUserControlType.StreamBegin,
        streamEof: RtmpUserControlType.StreamEof,
        streamDry: RtmpUserControlType.StreamDry,
        streamIsRecorded: RtmpUserControlType.StreamIsRecorded,
      } as const;
      payload = Buffer.allocUnsafe(6);
      payload.writeUInt16BE(codes[event.type], 0);
      payload.writeUInt32BE(event.streamId, 2);
    }
  }
  return controlMessage(RtmpMessageType.UserControl, payload);
}

/** Reads the single uint32 of Set Chunk Size, Abort, Acknowledgement and Window Ack Size. */
export function parseControlUint32(payload: Buffer, what: string): number {
  if (payload.length < 4) throw new RtmpProtocolError('control-invalid', `${what} message shorter than 4 bytes`);
  return payload.readUInt32BE(0);
}

export function parseSetPeerBandwidth(payload: Buffer): { windowSize: number; limitType: RtmpPeerBandwidthLimitType } {
  if (payload.length < 5) throw new RtmpProtocolError('control-invalid', 'Set Peer Bandwidth message shorter than 5 bytes');
  const code = payload[4];
  const limitType: RtmpPeerBandwidthLimitType = code === 0 ? 'hard' : code === 1 ? 'soft' : 'dynamic';
  return { windowSize: payload.readUInt32BE(0), limitType };
}

export function parseUserControlMessage(payload: Buffer): RtmpUserControlEvent {
  if (payload.length < 2) throw new RtmpProtocolError('control-invalid', 'User Control message shorter than 2 bytes');
  const eventType = payload.readUInt16BE(0);
  const need = (n: number): void => {
    if (payload.length < 2 + n) {
      throw new RtmpProtocolError('control-invalid', `User Control event ${eventType} needs ${n} bytes of data`);
    }
  };
  switch (eventType) {
    case RtmpUserControlType.StreamBegin:
      need(4);
      return { type: 'streamBegin', streamId: payload.readUInt32BE(2) };
    case RtmpUserControlType.StreamEof:
      need(4);
      return { type: 'streamEof', streamId: payload.readUInt32BE(2) };
    case RtmpUserControlType.StreamDry:
      need(4);
      return { type: 'streamDry', streamId: payload.readUInt32BE(2) };
    case RtmpUserControlType.SetBufferLength:
      need(8);
      return { type: 'setBufferLength', streamId: payload.readUInt32BE(2), bufferMs: payload.readUInt32BE(6) };
    case RtmpUserControlType.StreamIsRecorded:
      need(4);
      return { type: 'streamIsRecorded', streamId: payload.readUInt32BE(2) };
    case RtmpUserControlType.PingRequest:
      need(4);
      return { type: 'pingRequest', timestamp: payload.readUInt32BE(2) };
    case RtmpUserControlType.PingResponse:
      need(4);
      return { type: 'pingResponse', timestamp: payload.readUInt32BE(2) };
    default:
      return { type: 'unknown', eventType, data: Buffer.from(payload.subarray(2)) };
  }
}
