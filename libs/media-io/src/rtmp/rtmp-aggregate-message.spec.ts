import { splitRtmpAggregateMessage } from './rtmp-aggregate-message';
import { RtmpProtocolError } from './rtmp-errors';

function tag(typeId: number, time: number, data: number[]): Buffer {
  const header = Buffer.alloc(11);
  header[0] = typeId;
  header.writeUIntBE(data.length, 1, 3);
  header.writeUIntBE(time & 0xffffff, 4, 3);
  header[7] = time >>> 24;
  const back = Buffer.alloc(4);
  back.writeUInt32BE(11 + data.length, 0);
  return Buffer.concat([header, Buffer.from(data), back]);
}

describe('splitRtmpAggregateMessage', () => {
  it('splits FLV tags and rebases their timestamps onto the aggregate timestamp', () => {
    const payload = Buffer.concat([tag(9, 5000, [0x17, 1]), tag(8, 5020, [0xaf, 1, 2]), tag(9, 5040, [0x27, 1])]);
    const parts = splitRtmpAggregateMessage({ typeId: 22, streamId: 1, timestamp: 100, payload });
    expect(parts.map((p) => [p.typeId, p.streamId, p.timestamp, [...p.payload]])).toEqual([
      [9, 1, 100, [0x17, 1]],
      [8, 1, 120, [0xaf, 1, 2]],
      [9, 1, 140, [0x27, 1]],
    ]);
  });

  it('rejects truncated tags with RtmpProtocolError', () => {
    const payload = tag(9, 0, [1, 2, 3]).subarray(0, 12);
    expect(() => splitRtmpAggregateMessage({ typeId: 22, streamId: 1, timestamp: 0, payload })).toThrow(RtmpProtocolError);
    expect(() => splitRtmpAggregateMessage({ typeId: 22, streamId: 1, timestamp: 0, payload: Buffer.alloc(5) })).toThrow(RtmpProtocolError);
  });
});
