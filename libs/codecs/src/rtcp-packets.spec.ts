import fc from 'fast-check';
import { encodeSenderReport, readSenderReports, type SenderReport } from './rtcp-packets';

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
});
