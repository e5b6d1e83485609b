import { VideoParseError } from './codec-errors';

/** AV1 OBU types this project looks for (AV1 spec 6.2.2). */
export const Av1ObuType = {
  SequenceHeader: 1,
  TemporalDelimiter: 2,
} as const;

export interface Av1Obu {
  type: number;
  /** The whole OBU: header, size field and payload (a view of the input). */
  bytes: Buffer;
  /** Its payload (a view). */
  payload: Buffer;
}

/** Most OBUs one temporal unit may hold before the split gives up (a real one has a handful). */
const MAX_OBUS = 1024;
/** leb128() reads at most 8 bytes (AV1 spec 4.10.5). */
const MAX_LEB128_BYTES = 8;

/**
 * Splits AV1 data in the low-overhead bitstream format (as in IVF, MP4,
 * Matroska and E-RTMP 'av01') into its OBUs. An OBU without a size field
 * runs to the end of the data. Untrusted input: a size past the end, an
 * overlong leb128 or more than MAX_OBUS OBUs throw VideoParseError.
 */
export function splitAv1Obus(data: Buffer): Av1Obu[] {
  const obus: Av1Obu[] = [];
  let pos = 0;
  while (pos < data.length) {
    if (obus.length >= MAX_OBUS) throw new VideoParseError(`AV1 data holds more than ${MAX_OBUS} OBUs`);
    const start = pos;
    const header = data[pos++] as number;
    if (header & 0x80) throw new VideoParseError(`AV1 OBU at ${start}: forbidden bit set`);
    const type = (header >> 3) & 0x0f;
    if (header & 0x04) pos++; // extension header: temporal and spatial ids
    let size = data.length - pos;
    if (header & 0x02) {
      const leb = readLeb128(data, pos);
      pos += leb.length;
      size = leb.value;
    }
    if (pos > data.length || size > data.length - pos)
      throw new VideoParseError(`AV1 OBU at ${start} claims ${size} bytes, only ${Math.max(0, data.length - pos)} left`);
    obus.push({ type, bytes: data.subarray(start, pos + size), payload: data.subarray(pos, pos + size) });
    pos += size;
  }
  return obus;
}

function readLeb128(data: Buffer, at: number): { value: number; length: number } {
  let value = 0;
  for (let i = 0; i < MAX_LEB128_BYTES; i++) {
    const byte = data[at + i];
    if (byte === undefined) throw new VideoParseError(`AV1 OBU size truncated at ${at}`);
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (!(byte & 0x80)) return { value, length: i + 1 };
  }
  throw new VideoParseError(`AV1 OBU size at ${at} is longer than ${MAX_LEB128_BYTES} bytes`);
}
