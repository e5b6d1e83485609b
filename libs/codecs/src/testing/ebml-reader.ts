/** One EBML element as a test reads it back: its ID, where its body starts, and its size (undefined: unknown). */
export interface EbmlElementRead {
  id: number;
  bodyAt: number;
  size: number | undefined;
}

/**
 * Reads the element at `at` of `buf`: a test's check on what ebml-writer and
 * FlvToMatroskaMuxer wrote (the platform itself never reads Matroska).
 */
export function readEbmlElement(buf: Buffer, at: number): EbmlElementRead {
  const idLength = vintLength(buf[at] as number);
  const id = buf.readUIntBE(at, idLength);
  const sizeAt = at + idLength;
  const sizeLength = vintLength(buf[sizeAt] as number);
  let size = (buf[sizeAt] as number) & (0xff >> sizeLength);
  let allOnes = size === 0xff >> sizeLength;
  for (let i = 1; i < sizeLength; i++) {
    const byte = buf[sizeAt + i] as number;
    size = size * 256 + byte;
    allOnes &&= byte === 0xff;
  }
  return { id, bodyAt: sizeAt + sizeLength, size: allOnes ? undefined : size };
}

/** The children of a master element's body, in order. */
export function readEbmlChildren(buf: Buffer, from: number, to: number): EbmlElementRead[] {
  const out: EbmlElementRead[] = [];
  for (let at = from; at < to;) {
    const element = readEbmlElement(buf, at);
    if (element.size === undefined) throw new Error(`unknown-size element ${element.id.toString(16)} inside a sized one`);
    out.push(element);
    at = element.bodyAt + element.size;
  }
  return out;
}

function vintLength(first: number): number {
  for (let length = 1; length <= 8; length++) if (first & (0x80 >> (length - 1))) return length;
  throw new Error('EBML vint with no marker bit');
}
