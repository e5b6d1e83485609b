import {
  createAbortMessage,
  createAcknowledgementMessage,
  createSetChunkSizeMessage,
  createSetPeerBandwidthMessage,
  createUserControlMessage,
  createWindowAckSizeMessage,
  parseControlUint32,
  parseSetPeerBandwidth,
  parseUserControlMessage,
  type RtmpUserControlEvent,
} from './rtmp-control-messages';
import { RtmpProtocolError } from './rtmp-errors';

describe('RTMP protocol control messages', () => {
  it('encodes the uint32 control messages on message stream 0', () => {
    expect(createSetChunkSizeMessage(4096)).toEqual({ typeId: 1, streamId: 0, timestamp: 0, payload: Buffer.from([0, 0, 0x10, 0]) });
    expect(createAbortMessage(6).payload).toEqual(Buffer.from([0, 0, 0, 6]));
    expect(createAcknowledgementMessage(2 ** 32 + 5).payload).toEqual(Buffer.from([0, 0, 0, 5])); // wraps
    expect(createWindowAckSizeMessage(2_500_000)).toMatchObject({ typeId: 5 });
    expect(parseControlUint32(createWindowAckSizeMessage(2_500_000).payload, 'x')).toBe(2_500_000);
  });

  it('refuses to encode a chunk size the spec forbids', () => {
    expect(() => createSetChunkSizeMessage(0)).toThrow(RangeError);
    expect(() => createSetChunkSizeMessage(0x80000000)).toThrow(RangeError);
  });

  it('encodes Set Peer Bandwidth with its limit type and parses it back', () => {
    const message = createSetPeerBandwidthMessage(2_500_000, 'dynamic');
    expect(message.typeId).toBe(6);
    expect(message.payload[4]).toBe(2);
    expect(parseSetPeerBandwidth(message.payload)).toEqual({ windowSize: 2_500_000, limitType: 'dynamic' });
  });

  it.each<Exclude<RtmpUserControlEvent, { type: 'unknown' }>>([
    { type: 'streamBegin', streamId: 1 },
    { type: 'streamEof', streamId: 1 },
    { type: 'streamDry', streamId: 1 },
    { type: 'streamIsRecorded', streamId: 1 },
    { type: 'setBufferLength', streamId: 1, bufferMs: 3000 },
    { type: 'pingRequest', timestamp: 123 },
    { type: 'pingResponse', timestamp: 123 },
  ])('round-trips the User Control event $type', (event) => {
    const message = createUserControlMessage(event);
    expect(message.typeId).toBe(4);
    expect(parseUserControlMessage(message.payload)).toEqual(event);
  });

  it('uses the spec event numbers (Ping Request 6, Ping Response 7)', () => {
    expect(createUserControlMessage({ type: 'pingRequest', timestamp: 1 }).payload.readUInt16BE(0)).toBe(6);
    expect(createUserControlMessage({ type: 'pingResponse', timestamp: 1 }).payload.readUInt16BE(0)).toBe(7);
  });

  it('reports unknown User Control events instead of failing', () => {
    expect(parseUserControlMessage(Buffer.from([0, 31, 1, 2]))).toEqual({ type: 'unknown', eventType: 31, data: Buffer.from([1, 2]) });
  });

  it('rejects truncated control payloads with RtmpProtocolError', () => {
    expect(() => parseUserControlMessage(Buffer.from([0]))).toThrow(RtmpProtocolError);
    expect(() => parseUserControlMessage(Buffer.from([0, 6, 0]))).toThrow(RtmpProtocolError);
    expect(() => parseControlUint32(Buffer.from([0, 0]), 'Acknowledgement')).toThrow(RtmpProtocolError);
    expect(() => parseSetPeerBandwidth(Buffer.from([0, 0, 0, 0]))).toThrow(RtmpProtocolError);
  });
});
