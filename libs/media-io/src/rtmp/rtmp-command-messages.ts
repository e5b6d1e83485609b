import { Amf0DecodeError, decodeAmf0, encodeAmf0, type Amf0Limits, type Amf0Value } from '@mediaplane/codecs';
import { RtmpMessageType } from './rtmp-constants';
import { RtmpProtocolError } from './rtmp-errors';
import type { RtmpMessage } from './rtmp-message';

/** A decoded AMF0 command (NetConnection / NetStream call). */
export interface RtmpCommand {
  name: string;
  transactionId: number;
  /** Command object; null for most NetStream commands. */
  commandObject: Amf0Value;
  /** Remaining arguments after the command object. */
  args: Amf0Value[];
  /** Message stream the command arrived on (0 = NetConnection). */
  streamId: number;
}

/** A decoded data message (onMetaData, @setDataFrame, onTextData, ...). */
export interface RtmpDataMessage {
  streamId: number;
  timestamp: number;
  /** Leading string value (the handler name), if the first value is a string. */
  name: string | undefined;
  /** All values after the name (or all values when there is no name). */
  values: Amf0Value[];
}

/** The info object of onStatus / _result / _error. */
export interface RtmpStatusInfo {
  level: 'status' | 'warning' | 'error';
  code: string;
  description: string;
  [key: string]: Amf0Value;
}

/**
 * AMF3 command/data messages (types 17/15) sent by Flash start with a 0x00
 * format byte and then carry AMF0 values; we accept that common form.
 */
function amf0Body(message: RtmpMessage): Buffer {
  const amf3 = message.typeId === RtmpMessageType.CommandAmf3 || message.typeId === RtmpMessageType.DataAmf3;
  return amf3 && message.payload[0] === 0 ? message.payload.subarray(1) : message.payload;
}

function decode(payload: Buffer, limits: Partial<Amf0Limits> | undefined, what: string): Amf0Value[] {
  try {
    return decodeAmf0(payload, limits);
  } catch (error) {
    if (error instanceof Amf0DecodeError) {
      throw new RtmpProtocolError('amf-invalid', `malformed AMF0 in ${what}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** Decodes a command message (type 20, or 17 with AMF0 body). Throws RtmpProtocolError. */
export function parseRtmpCommand(message: RtmpMessage, limits?: Partial<Amf0Limits>): RtmpCommand {
  const values = decode(amf0Body(message), limits, 'command message');
  const [name, transactionId, commandObject, ...args] = values;
  if (typeof name !== 'string') throw new RtmpProtocolError('command-invalid', 'command message does not start with a name');
  // Some clients omit the transaction id on notifications; treat missing as 0.
  if (transactionId !== undefined && typeof transactionId !== 'number') {
    throw new RtmpProtocolError('command-invalid', `command ${truncate(name)} has a non-numeric transaction id`);
  }
  return { name, transactionId: transactionId ?? 0, commandObject: commandObject ?? null, args, streamId: message.streamId };
}

/** Decodes a data message (type 18, or 15 with AMF0 body). Throws RtmpProtocolError. */
export function parseRtmpDataMessage(message: RtmpMessage, limits?: Partial<Amf0Limits>): RtmpDataMessage {
  const values = decode(amf0Body(message), limits, 'data message');
  const first = values[0];
  return {
    streamId: message.streamId,
    timestamp: message.timestamp,
    name: typeof first === 'string' ? first : undefined,
    values: typeof first === 'string' ? values.slice(1) : values,
  };
}

export function createRtmpCommandMessage(streamId: number, name: string, transactionId: number, commandObject: Amf0Value, ...args: Amf0Value[]): RtmpMessage {
  return {
    typeId: RtmpMessageType.CommandAmf0,
    streamId,
    timestamp: 0,
    payload: encodeAmf0(name, transactionId, commandObject, ...args),
  };
}

/** onStatus on a NetStream; transaction id 0 and a null command object as every server sends it. */
export function createRtmpStatusMessage(streamId: number, info: RtmpStatusInfo): RtmpMessage {
  return createRtmpCommandMessage(streamId, 'onStatus', 0, null, info);
}

export function createRtmpDataMessage(streamId: number, timestamp: number, ...values: Amf0Value[]): RtmpMessage {
  return { typeId: RtmpMessageType.DataAmf0, streamId, timestamp, payload: encodeAmf0(...values) };
}

/** Shortens peer-supplied strings before they go into error messages and logs. */
export function truncate(text: string, max = 64): string {
  return text.length <= max ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, max))}…`;
}
