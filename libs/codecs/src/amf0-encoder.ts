import { ByteWriter } from './byte-writer';
import { Amf0EncodeError } from './codec-errors';
import { AMF0_HARD_MAX_DEPTH } from './amf0-limits';
import { AMF0_SHORT_STRING_MAX_BYTES, Amf0EcmaArray, Amf0Marker, type Amf0Value } from './amf0-types';

/** Long String and Strict Array lengths are u32. */
const U32_MAX = 0xffffffff;

/**
 * Encodes values back to back (the layout of RTMP command/data messages).
 *
 * Numbers are always 0x00 doubles; strings switch to 0x0C Long String above
 * 65535 UTF-8 bytes; arrays become Strict Arrays (holes are written as
 * undefined); Amf0EcmaArray becomes 0x08; any other object becomes 0x03 with
 * its own enumerable string keys.
 *
 * Throws Amf0EncodeError for cyclic or absurdly deep input (depth is capped
 * at the decoder's hard maximum so the recursion cannot overflow the stack)
 * and for property names over 65535 bytes, which AMF0 cannot represent.
 */
export function encodeAmf0(...values: Amf0Value[]): Buffer {
  const writer = new ByteWriter();
  for (const value of values) writeValue(writer, value, 0);
  return writer.toBuffer();
}

function writeValue(w: ByteWriter, value: Amf0Value, depth: number): void {
  if (value === null) return w.u8(Amf0Marker.Null);
  if (value === undefined) return w.u8(Amf0Marker.Undefined);
  switch (typeof value) {
    case 'number':
      w.u8(Amf0Marker.Number);
      return w.f64(value);
    case 'boolean':
      w.u8(Amf0Marker.Boolean);
      return w.u8(value ? 1 : 0);
    case 'string':
      return writeString(w, value);
    case 'object':
      break;
    default:
      // Unreachable for typed callers; guards untyped JS (bigint, functions).
      throw new Amf0EncodeError(`AMF0 cannot encode a value of type ${typeof value}`);
  }
  if (value instanceof Date) {
    w.u8(Amf0Marker.Date);
    w.f64(value.getTime());
    return w.s16(0);
  }
  if (depth >= AMF0_HARD_MAX_DEPTH) {
    throw new Amf0EncodeError(`AMF0 value nests deeper than ${AMF0_HARD_MAX_DEPTH} levels (cyclic?)`);
  }
  if (Array.isArray(value)) {
    if (value.length > U32_MAX) throw new Amf0EncodeError(`AMF0 strict array too long: ${value.length}`);
    w.u8(Amf0Marker.StrictArray);
    w.u32(value.length);
    // Index loop rather than for-of/forEach so holes are visited (as undefined).
    for (let i = 0; i < value.length; i++) writeValue(w, value[i], depth + 1);
    return;
  }
  if (value instanceof Amf0EcmaArray) {
    const keys = Object.keys(value.entries);
    w.u8(Amf0Marker.EcmaArray);
    w.u32(keys.length);
    return writeProperties(w, value.entries, keys, depth + 1);
  }
  w.u8(Amf0Marker.Object);
  writeProperties(w, value, Object.keys(value), depth + 1);
}

function writeString(w: ByteWriter, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length <= AMF0_SHORT_STRING_MAX_BYTES) {
    w.u8(Amf0Marker.String);
    w.u16(bytes.length);
  } else {
    if (bytes.length > U32_MAX) throw new Amf0EncodeError(`AMF0 string too long: ${bytes.length} bytes`);
    w.u8(Amf0Marker.LongString);
    w.u32(bytes.length);
  }
  w.bytes(bytes);
}

function writeProperties(w: ByteWriter, source: Record<string, Amf0Value>, keys: readonly string[], depth: number): void {
  for (const key of keys) {
    const name = Buffer.from(key, 'utf8');
    if (name.length > AMF0_SHORT_STRING_MAX_BYTES) {
      throw new Amf0EncodeError(`AMF0 property name of ${name.length} bytes exceeds ${AMF0_SHORT_STRING_MAX_BYTES} (starts "${key.slice(0, 32)}")`);
    }
    w.u16(name.length);
    w.bytes(name);
    writeValue(w, source[key], depth);
  }
  w.u16(0);
  w.u8(Amf0Marker.ObjectEnd);
}
