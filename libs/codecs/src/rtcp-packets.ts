/**
 * The RTCP message a plain-RTP relay reads and writes: sender reports (RFC
 * 3550 §6.4.1). Compound packets are walked by their length fields; a truncated or
 * malformed one yields what was whole before it, never an exception.
 */
export interface SenderReport {
  ssrc: number;
  /** NTP timestamp, seconds since 1900 (high word) and fraction (low word). */
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

const RTCP_SR = 200;
const SENDER_REPORT_BYTES = 28;

interface RtcpPart {
  type: number;
  body: Buffer;
}

/** The packets of a compound RTCP datagram, each with its type. */
function rtcpParts(datagram: Buffer): RtcpPart[] {
  const parts: RtcpPart[] = [];
  for (let offset = 0; offset + 4 <= datagram.length;) {
    if (datagram[offset]! >> 6 !== 2) break;
    const length = (datagram.readUInt16BE(offset + 2) + 1) * 4;
    if (offset + length > datagram.length) break;
    parts.push({ type: datagram[offset + 1]!, body: datagram.subarray(offset, offset + length) });
    offset += length;
  }
  return parts;
}

/** The sender reports in a datagram. */
export function readSenderReports(datagram: Buffer): SenderReport[] {
  return rtcpParts(datagram)
    .filter(({ type, body }) => type === RTCP_SR && body.length >= SENDER_REPORT_BYTES)
    .map(({ body }) => ({
      ssrc: body.readUInt32BE(4),
      ntpSeconds: body.readUInt32BE(8),
      ntpFraction: body.readUInt32BE(12),
      rtpTimestamp: body.readUInt32BE(16),
      packetCount: body.readUInt32BE(20),
      octetCount: body.readUInt32BE(24),
    }));
}

/** A sender report without reception report blocks. */
export function encodeSenderReport(report: SenderReport): Buffer {
  const out = Buffer.alloc(SENDER_REPORT_BYTES);
  out[0] = 0x80;
  out[1] = RTCP_SR;
  out.writeUInt16BE(SENDER_REPORT_BYTES / 4 - 1, 2);
  out.writeUInt32BE(report.ssrc >>> 0, 4);
  out.writeUInt32BE(report.ntpSeconds >>> 0, 8);
  out.writeUInt32BE(report.ntpFraction >>> 0, 12);
  out.writeUInt32BE(report.rtpTimestamp >>> 0, 16);
  out.writeUInt32BE(report.packetCount >>> 0, 20);
  out.writeUInt32BE(report.octetCount >>> 0, 24);
  return out;
}

const NTP_FRACTIONS_PER_SECOND = 2 ** 32;

/**
 * The same mapping `elapsedMs` later: NTP and RTP timestamps both moved on by
 * it (`ticksPerMs`: the RTP clock, 90 for video). A receiver that times the
 * report's arrival against its NTP time (mediasoup's clock-offset estimate)
 * then sees a fresh report, not one as old as the one it was taken from.
 */
export function advanceSenderReport(report: SenderReport, elapsedMs: number, ticksPerMs: number): SenderReport {
  const fraction = report.ntpFraction + Math.round((elapsedMs / 1000) * NTP_FRACTIONS_PER_SECOND);
  const carry = Math.floor(fraction / NTP_FRACTIONS_PER_SECOND);
  return {
    ...report,
    ntpSeconds: (report.ntpSeconds + carry) >>> 0,
    ntpFraction: fraction - carry * NTP_FRACTIONS_PER_SECOND,
    rtpTimestamp: (report.rtpTimestamp + Math.round(elapsedMs * ticksPerMs)) >>> 0,
  };
}
