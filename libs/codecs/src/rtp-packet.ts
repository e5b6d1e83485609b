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
