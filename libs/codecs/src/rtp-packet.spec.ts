import fc from 'fast-check';
import { encodeRtpHeader, isRtcp, readRtpHeader, renumberRtp, type RtpHeaderExtensionElement } from './rtp-packet';

/** An RTP packet: V=2, `csrcs` CSRCs, an optional one-word extension, optional padding. */
function rtp(options: { csrcs?: number; extensionWords?: number; padding?: number; payload?: Buffer; marker?: boolean } = {}): Buffer {
  const csrcs = options.csrcs ?? 0;
  const payload = options.payload ?? Buffer.from([0x65, 1, 2, 3]);
  const extension = options.extensionWords === undefined ? Buffer.alloc(0) : Buffer.alloc(4 + options.extensionWords * 4);
  if (options.extensionWords !== undefined) {
    extension.writeUInt16BE(0xbede, 0);
    extension.writeUInt16BE(options.extensionWords, 2);
  }
  const padding = options.padding ? Buffer.alloc(options.padding, 0) : Buffer.alloc(0);
  if (options.padding) padding[padding.length - 1] = options.padding;
  const header = Buffer.alloc(12 + csrcs * 4);
  header[0] = 0x80 | (options.padding ? 0x20 : 0) | (options.extensionWords !== undefined ? 0x10 : 0) | csrcs;
  header[1] = (options.marker ? 0x80 : 0) | 96;
  header.writeUInt16BE(4660, 2);
  header.writeUInt32BE(90_000, 4);
  header.writeUInt32BE(0xdeadbeef, 8);
  return Buffer.concat([header, extension, payload, padding]);
}

describe('readRtpHeader', () => {
  it('reads the fixed header and finds the payload after CSRCs and the extension, before the padding', () => {
    const packet = rtp({ csrcs: 2, extensionWords: 1, padding: 3, marker: true });
    const header = readRtpHeader(packet);
    expect(header).toEqual({
      payloadType: 96,
      marker: true,
      sequenceNumber: 4660,
      timestamp: 90_000,
      ssrc: 0xdeadbeef,
      payloadOffset: 12 + 8 + 8,
      payloadEnd: packet.length - 3,
    });
    expect(packet.subarray(header!.payloadOffset, header!.payloadEnd)).toEqual(Buffer.from([0x65, 1, 2, 3]));
  });

  it('refuses what is not a whole version-2 RTP packet: short, other versions, RTCP, an extension or padding past the end', () => {
    expect(readRtpHeader(Buffer.alloc(11, 0x80))).toBeUndefined();
    const v1 = rtp();
    v1[0] = 0x40;
    expect(readRtpHeader(v1)).toBeUndefined();
    expect(readRtpHeader(Buffer.from([0x81, 200, 0, 6, ...Buffer.alloc(24)]))).toBeUndefined();
    const longExtension = rtp({ extensionWords: 1 });
    longExtension.writeUInt16BE(100, 14);
    expect(readRtpHeader(longExtension)).toBeUndefined();
    const hugePadding = rtp({ padding: 1 });
    hugePadding[hugePadding.length - 1] = 200;
    expect(readRtpHeader(hugePadding)).toBeUndefined();
  });

  it('never throws and never points outside the packet, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const packet = Buffer.from(bytes);
        const header = readRtpHeader(packet);
        if (header) {
          expect(header.payloadOffset).toBeGreaterThanOrEqual(12);
          expect(header.payloadOffset).toBeLessThanOrEqual(header.payloadEnd);
          expect(header.payloadEnd).toBeLessThanOrEqual(packet.length);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('isRtcp', () => {
  it('tells RTCP (second byte 192–223) from RTP on a muxed port', () => {
    expect(isRtcp(Buffer.from([0x80, 200]))).toBe(true);
    expect(isRtcp(Buffer.from([0x81, 206]))).toBe(true);
    expect(isRtcp(rtp())).toBe(false);
    expect(isRtcp(rtp({ marker: true }))).toBe(false); // 0x80 | 96 = 224
    expect(isRtcp(Buffer.alloc(1))).toBe(false);
  });
});

describe('renumberRtp', () => {
  it('copies the packet with another SSRC, sequence number and timestamp, leaving the original and the rest alone', () => {
    const packet = rtp({ csrcs: 1, marker: true });
    const before = Buffer.from(packet);
    const renumbered = renumberRtp(packet, 42, 0x1_0005, 2 ** 32 + 7);
    expect(packet).toEqual(before);
    expect(readRtpHeader(renumbered)).toMatchObject({ ssrc: 42, sequenceNumber: 5, timestamp: 7, marker: true, payloadType: 96 });
    expect(renumbered.subarray(12)).toEqual(packet.subarray(12));
  });
});

/** The extension elements of an encoded header, read per RFC 8285 (padding bytes skipped). */
function readExtensionElements(header: Buffer): RtpHeaderExtensionElement[] {
  if (!(header[0]! & 0x10)) return [];
  const profile = header.readUInt16BE(12);
  const end = 16 + header.readUInt16BE(14) * 4;
  const elements: RtpHeaderExtensionElement[] = [];
  for (let offset = 16; offset < end;) {
    if (header[offset] === 0) {
      offset++;
      continue;
    }
    const oneByte = profile === 0xbede;
    const id = oneByte ? header[offset]! >> 4 : header[offset]!;
    const length = oneByte ? (header[offset]! & 0x0f) + 1 : header[offset + 1]!;
    const start = offset + (oneByte ? 1 : 2);
    elements.push({ id, data: header.subarray(start, start + length) });
    offset = start + length;
  }
  return elements;
}

describe('encodeRtpHeader', () => {
  const fields = { payloadType: 100, marker: true, sequenceNumber: 65535, timestamp: 0xffffffff, ssrc: 0x01020304 };

  it('writes the fixed header alone when there are no extensions', () => {
    const header = encodeRtpHeader(fields);
    expect(header).toHaveLength(12);
    expect(readRtpHeader(Buffer.concat([header, Buffer.from([1])]))).toEqual({ ...fields, payloadOffset: 12, payloadEnd: 13 });
  });

  it('uses the one-byte form, padded to a word, when every element fits it', () => {
    const extensions = [
      { id: 1, data: Buffer.from('0') },
      { id: 3, data: Buffer.from([0xaa, 0xbb, 0xcc]) },
    ];
    const header = encodeRtpHeader({ ...fields, extensions });
    expect(header.readUInt16BE(12)).toBe(0xbede);
    expect(header).toHaveLength(12 + 4 + 8);
    expect(readRtpHeader(Buffer.concat([header, Buffer.from([7])]))?.payloadOffset).toBe(header.length);
    expect(readExtensionElements(header)).toEqual(extensions);
  });

  it('uses the two-byte form when an id or a length does not fit the one-byte form', () => {
    const extensions = [
      { id: 15, data: Buffer.from('mid') },
      { id: 2, data: Buffer.alloc(0) },
    ];
    const header = encodeRtpHeader({ ...fields, extensions });
    expect(header.readUInt16BE(12)).toBe(0x1000);
    expect(readExtensionElements(header)).toEqual(extensions);
  });

  it('refuses an element neither form can carry', () => {
    expect(() => encodeRtpHeader({ ...fields, extensions: [{ id: 256, data: Buffer.from([1]) }] })).toThrow(RangeError);
    expect(() => encodeRtpHeader({ ...fields, extensions: [{ id: 2, data: Buffer.alloc(256) }] })).toThrow(RangeError);
  });

  it('round-trips any fields and any extension elements through readRtpHeader and an RFC 8285 reader', () => {
    const element = fc.record({ id: fc.integer({ min: 1, max: 255 }), data: fc.uint8Array({ maxLength: 255 }).map((a) => Buffer.from(a)) });
    fc.assert(
      fc.property(
        // Not 64–95: with the marker set those read as RTCP on a muxed port (RFC 5761 §4), as they should.
        fc.oneof(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 96, max: 127 })),
        fc.boolean(),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uniqueArray(element, { selector: (e) => e.id, maxLength: 6 }),
        (payloadType, marker, sequenceNumber, timestamp, ssrc, extensions) => {
          const header = encodeRtpHeader({ payloadType, marker, sequenceNumber, timestamp, ssrc, extensions });
          expect(header.length % 4).toBe(0);
          const packet = Buffer.concat([header, Buffer.from([0x42])]);
          expect(readRtpHeader(packet)).toEqual({
            payloadType,
            marker,
            sequenceNumber,
            timestamp,
            ssrc,
            payloadOffset: header.length,
            payloadEnd: packet.length,
          });
          expect(readExtensionElements(header)).toEqual(extensions);
        },
      ),
    );
  });
});
