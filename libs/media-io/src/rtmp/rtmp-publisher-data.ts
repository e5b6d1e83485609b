import { amf0Properties, type Amf0Limits } from '@mediaplane/codecs';
import { parseRtmpDataMessage, type RtmpDataMessage } from './rtmp-command-messages';
import { RtmpMessageType } from './rtmp-constants';
import { RtmpProtocolError } from './rtmp-errors';
import type { RtmpMessage } from './rtmp-message';
import type { RtmpMetadata } from './rtmp-server-connection-types';

/** "@setDataFrame" as an AMF0 string: marker 0x02, u16 length 13, bytes. */
const SET_DATA_FRAME_PREFIX = Buffer.from([0x02, 0x00, 0x0d, ...Buffer.from('@setDataFrame', 'latin1')]);

export type RtmpPublisherData = { kind: 'metadata'; metadata: RtmpMetadata } | { kind: 'data'; data: RtmpDataMessage & { payload: Buffer } };

/**
 * A publisher's data message (AMF0 or AMF3 envelope) as players should get
 * it: `@setDataFrame` unwrapped, onMetaData recognised, payload plain AMF0.
 * Undefined for a broken message (odd encoders put AMF3 or exotic types in
 * onTextData): it carries nothing we rely on and must not cost the stream.
 */
export function readRtmpPublisherData(message: RtmpMessage, amfLimits: Partial<Amf0Limits> | undefined): RtmpPublisherData | undefined {
  let data;
  try {
    data = parseRtmpDataMessage(message, amfLimits);
  } catch (error) {
    if (error instanceof RtmpProtocolError) return undefined;
    throw error;
  }
  let { name, values } = data;
  // Relayed payloads must be plain AMF0 (type 18): drop the AMF3 format byte if there was one.
  let payload = message.typeId === RtmpMessageType.DataAmf3 && message.payload[0] === 0 ? message.payload.subarray(1) : message.payload;
  if (name === '@setDataFrame') {
    const next = values[0];
    name = typeof next === 'string' ? next : undefined;
    values = typeof next === 'string' ? values.slice(1) : values;
    payload = payload.subarray(0, SET_DATA_FRAME_PREFIX.length).equals(SET_DATA_FRAME_PREFIX) ? payload.subarray(SET_DATA_FRAME_PREFIX.length) : payload;
  }
  const { streamId, timestamp } = message;
  if (name === 'onMetaData') {
    const first = values[0];
    const properties = first === undefined ? {} : (amf0Properties(first) ?? {});
    return { kind: 'metadata', metadata: { streamId, timestamp, properties, payload } };
  }
  return { kind: 'data', data: { streamId, timestamp, name, values, payload } };
}
