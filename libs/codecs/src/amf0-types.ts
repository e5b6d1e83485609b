/**
 * AMF0 value model.
 *
 * Mapping (decode → JS, JS → encode):
 * - number ↔ Number (0x00), boolean ↔ Boolean (0x01)
 * - string ↔ String (0x02) or Long String (0x0C) when over 65535 UTF-8 bytes
 * - null ↔ Null (0x05), undefined ↔ Undefined (0x06)
 * - Date ↔ Date (0x0B; the time-zone field is written as 0 and ignored on read)
 * - Amf0Value[] ↔ Strict Array (0x0A)
 * - Amf0Object ↔ Object (0x03); Typed Object (0x10) also decodes to a plain
 *   object, its class name is dropped
 * - Amf0EcmaArray ↔ ECMA Array (0x08), kept distinct because RTMP peers
 *   (notably onMetaData consumers) care which of 0x03/0x08 they receive
 */
export type Amf0Value = number | boolean | string | null | undefined | Date | Amf0Value[] | Amf0Object | Amf0EcmaArray;

export interface Amf0Object {
  [key: string]: Amf0Value;
}

export class Amf0EcmaArray {
  constructor(public readonly entries: Record<string, Amf0Value>) {}
}

/** AMF0 type markers (AMF0 spec, section 2.1). */
export const Amf0Marker = {
  Number: 0x00,
  Boolean: 0x01,
  String: 0x02,
  Object: 0x03,
  MovieClip: 0x04,
  Null: 0x05,
  Undefined: 0x06,
  Reference: 0x07,
  EcmaArray: 0x08,
  ObjectEnd: 0x09,
  StrictArray: 0x0a,
  Date: 0x0b,
  LongString: 0x0c,
  Unsupported: 0x0d,
  RecordSet: 0x0e,
  XmlDocument: 0x0f,
  TypedObject: 0x10,
  AvmPlusObject: 0x11,
} as const;

/** Largest UTF-8 byte length a 0x02 String (u16 length) can carry. */
export const AMF0_SHORT_STRING_MAX_BYTES = 0xffff;

/**
 * Sets an own property even for keys like "__proto__", which plain
 * assignment would turn into a prototype change (prototype pollution from
 * peer-controlled keys). The result still behaves like a normal object.
 */
export function defineAmf0Property(target: Record<string, Amf0Value>, key: string, value: Amf0Value): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** True for a plain AMF0 object (0x03 / 0x10), not arrays, dates or ECMA arrays. */
export function isAmf0Object(value: Amf0Value): value is Amf0Object {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Amf0EcmaArray);
}

/**
 * Properties of an object or ECMA array, else undefined. Encoders disagree on
 * which of the two they use for onMetaData and connect command objects, so
 * readers usually want to accept both.
 */
export function amf0Properties(value: Amf0Value): Record<string, Amf0Value> | undefined {
  if (value instanceof Amf0EcmaArray) return value.entries;
  return isAmf0Object(value) ? value : undefined;
}
