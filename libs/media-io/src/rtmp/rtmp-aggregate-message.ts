import { RtmpProtocolError } from './rtmp-errors';
import type { RtmpMessage } from './rtmp-message';

const TAG_HEADER_SIZE = 11;
const BACK_POINTER_SIZE = 4;

/**
 * Splits an Aggregate message (type 22: FLV tags back to back, each followed
 * by a back pointer) into its sub-messages. Relays such as FMS and Wowza send
 * these. Sub-message timestamps are rebased so the first one equals the
 * aggregate's own timestamp; sub-messages inherit the aggregate's stream id.
 * Sub-message payloads are views into the aggregate payload (no copy).
 */
export function splitRtmpAggregateMessage(message: RtmpMessage): RtmpMessage[] {
  const data = message.payload;
  const out: RtmpMessage[] = [];
  let offset = 0;
  let firstTagTime: number | undefined;
  while (offset < data.length) {
    if (data.length - offset < TAG_HEADER_SIZE) {
      throw new RtmpProtocolError('control-invalid', 'aggregate message ends inside a tag header');
    }
    const typeId = data[offset] as number;
    const size = data.readUIntBE(offset + 1, 3);
    // FLV timestamps: 24 low bits, then the high byte.
    const tagTime = (data.readUIntBE(offset + 4, 3) | ((data[offset + 7] as number) << 24)) >>> 0;
    const start = offset + TAG_HEADER_SIZE;
    if (data.length - start < size) throw new RtmpProtocolError('control-invalid', 'aggregate sub-message exceeds the aggregate');
    firstTagTime ??= tagTime;
    out.push({
      typeId,
      streamId: message.streamId,
      timestamp: (message.timestamp + (tagTime - firstTagTime)) >>> 0,
      payload: data.subarray(start, start + size),
    });
    // The back pointer is optional at the very end in some encoders; skip it when present.
    offset = Math.min(data.length, start + size + BACK_POINTER_SIZE);
  }
  return out;
}
