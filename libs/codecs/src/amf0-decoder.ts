import { ByteReader } from './byte-reader';
import { Amf0DecodeError } from './codec-errors';
import { type Amf0Limits, resolveAmf0Limits } from './amf0-limits';
import { Amf0EcmaArray, Amf0Marker, type Amf0Value, defineAmf0Property } from './amf0-types';

const MARKER_NAMES: Record<number, string> = {
  [Amf0Marker.MovieClip]: 'MovieClip (0x04)',
  [Amf0Marker.Reference]: 'Reference (0x07)',
  [Amf0Marker.ObjectEnd]: 'Object End (0x09) outside an object',
  [Amf0Marker.Unsupported]: 'Unsupported (0x0d)',
  [Amf0Marker.RecordSet]: 'RecordSet (0x0e)',
  [Amf0Marker.XmlDocument]: 'XML Document (0x0f)',
  [Amf0Marker.AvmPlusObject]: 'AVM+ / AMF3 switch (0x11)',
};

/**
 * Decodes every AMF0 value in `buf`, back to back, as RTMP command and data
 * messages carry them (e.g. ["connect", 1, {...}]).
 *
 * Untrusted input: all lengths and counts are checked against `limits` (see
 * DEFAULT_AMF0_LIMITS) before anything is allocated, recursion is bounded by
 * maxDepth, and every failure is an Amf0DecodeError.
 *
 * References (0x07) are rejected rather than resolved: they only occur in
 * Flash-era remoting payloads, and resolving them would allow shared/cyclic
 * structures that callers do not expect.
 */
export function decodeAmf0(buf: Buffer, limits?: Partial<Amf0Limits>): Amf0Value[] {
  const decoder = new Amf0Decoder(buf, resolveAmf0Limits(limits));
  return decoder.decodeAll();
}

class Amf0Decoder {
  private readonly reader: ByteReader;
  private valueCount = 0;

  constructor(
    buf: Buffer,
    private readonly limits: Amf0Limits,
  ) {
    this.reader = new ByteReader(buf, (message) => new Amf0DecodeError(message), 'AMF0 data');
  }

  decodeAll(): Amf0Value[] {
    const values: Amf0Value[] = [];
    while (this.reader.remaining > 0) values.push(this.value(0));
    return values;
  }

  private fail(message: string, offset = this.reader.offset): never {
    throw new Amf0DecodeError(`AMF0 ${message} at offset ${offset}`);
  }

  /** `depth` is the number of containers enclosing this value. */
  private value(depth: number): Amf0Value {
    const markerOffset = this.reader.offset;
    const marker = this.reader.u8();
    this.valueCount++;
    if (this.valueCount > this.limits.maxValues) {
      this.fail(`value count exceeds maxValues ${this.limits.maxValues}`, markerOffset);
    }
    switch (marker) {
      case Amf0Marker.Number:
        return this.reader.f64();
      case Amf0Marker.Boolean:
        return this.reader.u8() !== 0;
      case Amf0Marker.String:
        return this.string(this.reader.u16());
      case Amf0Marker.LongString:
        return this.string(this.reader.u32());
      case Amf0Marker.Null:
        return null;
      case Amf0Marker.Undefined:
        return undefined;
      case Amf0Marker.Date: {
        const ms = this.reader.f64();
        // Time zone: "reserved, not supported, should be 0" in the spec.
        this.reader.s16();
        return new Date(ms);
      }
      case Amf0Marker.Object:
        this.enter(depth, markerOffset);
        return this.properties({}, depth + 1);
      case Amf0Marker.TypedObject: {
        this.enter(depth, markerOffset);
        this.string(this.reader.u16()); // class name: not modelled, dropped
        return this.properties({}, depth + 1);
      }
      case Amf0Marker.EcmaArray: {
        this.enter(depth, markerOffset);
        // The associative count is only a hint (encoders disagree on it);
        // the end marker is authoritative, so it is read and ignored.
        this.reader.u32();
        return new Amf0EcmaArray(this.properties({}, depth + 1));
      }
      case Amf0Marker.StrictArray:
        this.enter(depth, markerOffset);
        return this.strictArray(depth + 1);
      default:
        return this.fail(`unsupported marker ${MARKER_NAMES[marker] ?? `0x${marker.toString(16).padStart(2, '0')}`}`, markerOffset);
    }
  }

  private enter(depth: number, offset: number): void {
    if (depth + 1 > this.limits.maxDepth) {
      this.fail(`nesting exceeds maxDepth ${this.limits.maxDepth}`, offset);
    }
  }

  private string(byteLength: number): string {
    if (byteLength > this.limits.maxStringBytes) {
      this.fail(`string of ${byteLength} bytes exceeds maxStringBytes ${this.limits.maxStringBytes}`);
    }
    return this.reader.utf8(byteLength);
  }

  /** Reads name/value pairs up to the 0x00 0x00 0x09 end marker. */
  private properties<T extends Record<string, Amf0Value>>(target: T, depth: number): T {
    let keys = 0;
    for (;;) {
      const keyLength = this.reader.u16();
      if (keyLength === 0 && this.reader.peekU8() === Amf0Marker.ObjectEnd) {
        this.reader.skip(1);
        return target;
      }
      keys++;
      if (keys > this.limits.maxKeys) {
        this.fail(`object has more than maxKeys ${this.limits.maxKeys} properties`);
      }
      const key = this.string(keyLength);
      defineAmf0Property(target, key, this.value(depth));
    }
  }

  private strictArray(depth: number): Amf0Value[] {
    const countOffset = this.reader.offset;
    const count = this.reader.u32();
    const budget = this.limits.maxValues - this.valueCount;
    if (count > budget) {
      this.fail(`strict array of ${count} elements exceeds maxValues ${this.limits.maxValues}`, countOffset);
    }
    // Every element takes at least its 1-byte marker: a count larger than the
    // rest of the buffer is a lie, reject it before looping.
    if (count > this.reader.remaining) {
      this.fail(`strict array claims ${count} elements but only ${this.reader.remaining} byte(s) remain`, countOffset);
    }
    const items: Amf0Value[] = [];
    for (let i = 0; i < count; i++) items.push(this.value(depth));
    return items;
  }
}
