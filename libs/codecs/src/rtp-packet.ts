/**
 * The fixed RTP header (RFC 3550 §5.1) of one packet, read without copying,
 * and a copy of a packet renumbered for another stream. Bounded: anything
 * that is not a whole version-2 packet is `undefined`, never an exception,
 * because these bytes come off a UDP socket.
 */
export interface RtpHeader {
  payloadType: number;
  marker: boolean;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  /** Where the payload starts (after CSRCs and the header extension). */
  payloadOffset: number;
  /** Where the payload ends (before any padding). */
  payloadEnd: number;
}

const FIXED_HEADER_BYTES = 12;

/** RFC 5761 §4: second bytes 192–223 (payload types 64–95 with the marker set) are RTCP on a muxed port. */
export function isRtcp(packet: Buffer): boolean {
  return packet.length >= 2 && packet[1]! >= 192 && packet[1]! <= 223;
}

export function readRtpHeader(packet: Buffer): RtpHeader | undefined {
  if (packet.length < FIXED_HEADER_BYTES || packet[0]! >> 6 !== 2 || isRtcp(packet)) return undefined;
  const first = packet[0]!;
  let offset = FIXED_HEADER_BYTES + (first & 0x0f) * 4;
  if (first & 0x10) {
    if (packet.length < offset + 4) return undefined;
    offset += 4 + packet.readUInt16BE(offset + 2) * 4;
  }
  let end = packet.length;
  if (first & 0x20) end -= packet[packet.length - 1]!;
  if (offset > end) return undefined;
  return {
    payloadType: packet[1]! & 0x7f,
    marker: (packet[1]! & 0x80) !== 0,
    sequenceNumber: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    ssrc: packet.readUInt32BE(8),
    payloadOffset: offset,
    payloadEnd: end,
  };
}

/** A copy of `packet` (a valid RTP packet) with another SSRC, sequence number and timestamp; the rest as it was. */
export function renumberRtp(packet: Buffer, ssrc: number, sequenceNumber: number, timestamp: number): Buffer {
  const copy = Buffer.from(packet);
  copy.writeUInt16BE(sequenceNumber & 0xffff, 2);
  copy.writeUInt32BE(timestamp >>> 0, 4);
  copy.writeUInt32BE(ssrc >>> 0, 8);
  return copy;
}

/** One RTP header extension element (RFC 8285): a negotiated id and its data. */
export interface RtpHeaderExtensionElement {
  id: number;
  data: Buffer;
}

/** What a fixed RTP header (no CSRCs) and its extension elements are written from. */
export interface RtpHeaderFields {
  payloadType: number;
  marker: boolean;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  /** In the order they are to appear; none: no extension block (the X bit clear). */
  extensions?: readonly RtpHeaderExtensionElement[];
}

/** RFC 8285 §4.2: the one-byte form holds ids 1–14 with 1–16 bytes of data each. */
const ONE_BYTE_PROFILE = 0xbede;
const ONE_BYTE_MAX_ID = 14;
const ONE_BYTE_MAX_DATA = 16;
/** RFC 8285 §4.3: the two-byte form (appbits 0) holds ids 1–255 with 0–255 bytes of data. */
const TWO_BYTE_PROFILE = 0x1000;
const TWO_BYTE_MAX_DATA = 255;

/**
 * The bytes of an RTP header (version 2, no padding, no CSRCs) with its
 * extension block: the one-byte form when every element fits it, else the
 * two-byte form, padded to a 32-bit boundary. Throws on an id or length
 * neither form can carry (a programming error, not network input).
 */
export function encodeRtpHeader(fields: RtpHeaderFields): Buffer {
  const extensions = fields.extensions ?? [];
  const oneByte = extensions.every((e) => e.id >= 1 && e.id <= ONE_BYTE_MAX_ID && e.data.length >= 1 && e.data.length <= ONE_BYTE_MAX_DATA);
  if (!oneByte) {
    const bad = extensions.find((e) => !(e.id >= 1 && e.id <= 255 && e.data.length <= TWO_BYTE_MAX_DATA));
    if (bad) throw new RangeError(`RTP header extension id ${bad.id} with ${bad.data.length} bytes fits neither RFC 8285 form`);
  }
  const elementHeaderBytes = oneByte ? 1 : 2;
  const elementsBytes = extensions.reduce((sum, e) => sum + elementHeaderBytes + e.data.length, 0);
  const blockWords = Math.ceil(elementsBytes / 4);
  // From the shared pool and zeroed (the padding must be): a forwarder writes one per packet and viewer, and a
  // Buffer.alloc of its own would be a malloc and a free each time.
  const header = Buffer.allocUnsafe(FIXED_HEADER_BYTES + (extensions.length > 0 ? 4 + blockWords * 4 : 0)).fill(0);
  header[0] = 0x80 | (extensions.length > 0 ? 0x10 : 0);
  header[1] = (fields.marker ? 0x80 : 0) | (fields.payloadType & 0x7f);
  header.writeUInt16BE(fields.sequenceNumber & 0xffff, 2);
  header.writeUInt32BE(fields.timestamp >>> 0, 4);
  header.writeUInt32BE(fields.ssrc >>> 0, 8);
  if (extensions.length === 0) return header;
  header.writeUInt16BE(oneByte ? ONE_BYTE_PROFILE : TWO_BYTE_PROFILE, FIXED_HEADER_BYTES);
  header.writeUInt16BE(blockWords, FIXED_HEADER_BYTES + 2);
  let offset = FIXED_HEADER_BYTES + 4;
  for (const { id, data } of extensions) {
    if (oneByte) header[offset++] = (id << 4) | (data.length - 1);
    else {
      header[offset++] = id;
      header[offset++] = data.length;
    }
    offset += data.copy(header, offset);
  }
  return header;
}
