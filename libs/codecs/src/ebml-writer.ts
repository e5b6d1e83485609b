/**
 * EBML (the binary format under Matroska) element encoding: the few kinds a
 * live muxer writes. An element is its ID, its size as a variable-length
 * integer and its body; IDs are given as written (marker bits included,
 * e.g. 0x1a45dfa3).
 */

/** The one size value that means "unknown": a live Segment, whose end is not known when it starts. */
const UNKNOWN_SIZE = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
/** Sizes up to 2^53 - 1 (a JavaScript safe integer) fit the 8-byte form. */
const MAX_VINT_BYTES = 8;

/** An element whose body is the given bytes (binary elements, and masters from their children). */
export function ebmlElement(id: number, ...body: Buffer[]): Buffer {
  return Buffer.concat([
    ebmlElementHead(
      id,
      body.reduce((n, b) => n + b.length, 0),
    ),
    ...body,
  ]);
}

/** An element's ID and size, for a caller that writes its body of `size` bytes itself (without copying it into the element first). */
export function ebmlElementHead(id: number, size: number): Buffer {
  return Buffer.concat([ebmlId(id), ebmlSize(size)]);
}

/** An unsigned integer element, in as few bytes as hold the value (at least one). */
export function ebmlUint(id: number, value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`EBML uint out of range: ${value}`);
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest % 256);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  return ebmlElement(id, Buffer.from(bytes));
}

/** A float element as an 8-byte IEEE double. */
export function ebmlFloat(id: number, value: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeDoubleBE(value);
  return ebmlElement(id, body);
}

/** A string element (ASCII or UTF-8). */
export function ebmlString(id: number, value: string): Buffer {
  return ebmlElement(id, Buffer.from(value, 'utf8'));
}

/** The head of a master element of unknown size: its children follow for as long as the stream lasts. */
export function ebmlUnknownSizeHead(id: number): Buffer {
  return Buffer.concat([ebmlId(id), UNKNOWN_SIZE]);
}

/** An element ID as its bytes: 1 to 4, as its leading marker bit says. */
export function ebmlId(id: number): Buffer {
  const length = id >= 0x1000000 ? 4 : id >= 0x10000 ? 3 : id >= 0x100 ? 2 : 1;
  const out = Buffer.alloc(length);
  out.writeUIntBE(id, 0, length);
  return out;
}

/**
 * A size (or a track number in a Block) as an EBML variable-length integer, in
 * the fewest bytes: L bytes hold up to 2^(7L) - 2 (all ones is reserved).
 */
export function ebmlSize(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`EBML size out of range: ${value}`);
  for (let length = 1; length <= MAX_VINT_BYTES; length++) {
    if (value < 2 ** (7 * length) - 1) {
      const out = Buffer.alloc(length);
      let rest = value;
      for (let i = length - 1; i >= 0; i--) {
        out[i] = rest % 256;
        rest = Math.floor(rest / 256);
      }
      out[0] = (out[0] as number) | (0x80 >> (length - 1));
      return out;
    }
  }
  throw new RangeError(`EBML size out of range: ${value}`);
}
