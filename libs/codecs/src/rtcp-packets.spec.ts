import fc from 'fast-check';
import { advanceSenderReport, encodeSenderReport, readSenderReports, type SenderReport } from './rtcp-packets';

/** A receiver report with one block (what mediasoup sends most often). */
function receiverReport(): Buffer {
  const out = Buffer.alloc(32);
  out[0] = 0x81;
  out[1] = 201;
  out.writeUInt16BE(7, 2);
  return out;
}

const REPORT: SenderReport = { ssrc: 7, ntpSeconds: 3_900_000_000, ntpFraction: 0x8000_0000, rtpTimestamp: 4_000_000_000, packetCount: 12, octetCount: 3456 };

describe('sender reports', () => {
  it('encode and read back, in a compound datagram', () => {
    const encoded = encodeSenderReport(REPORT);
    expect(encoded).toHaveLength(28);
    expect(readSenderReports(Buffer.concat([receiverReport(), encoded, receiverReport()]))).toEqual([REPORT]);
  });

  it('stop at a packet whose length runs past the datagram, keeping what was whole before it', () => {
    const encoded = encodeSenderReport(REPORT);
    expect(readSenderReports(Buffer.concat([encoded, encoded.subarray(0, 20)]))).toEqual([REPORT]);
    expect(readSenderReports(encoded.subarray(0, 27))).toEqual([]);
  });

  it('reading never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        const datagram = Buffer.from(bytes);
        expect(Array.isArray(readSenderReports(datagram))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('advance keeps the mapping and moves both clocks on, carrying NTP fractions into seconds and wrapping RTP', () => {
    // 1.75 s later: 0.5 + 0.75 s of fraction carries one second; 4e9 + 157 500 ticks wraps past 2^32.
    const later = advanceSenderReport(REPORT, 1750, 90);
    expect(later).toEqual({ ...REPORT, ntpSeconds: 3_900_000_002, ntpFraction: 0x4000_0000, rtpTimestamp: (4_000_000_000 + 157_500) % 2 ** 32 });
    expect(advanceSenderReport(REPORT, 0, 90)).toEqual(REPORT);
  });
});
