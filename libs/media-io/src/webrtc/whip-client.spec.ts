import { RtcpPacketConverter } from 'werift';
import { isKeyframeRequest } from './whip-client';

/** One payload-specific feedback packet (PT 206) as a receiver writes it: FMT, sender SSRC, media SSRC, then the FCI. */
function psfb(fmt: number, senderSsrc: number, mediaSsrc: number, fci: Buffer = Buffer.alloc(0)): Buffer {
  const packet = Buffer.alloc(12 + fci.length);
  packet[0] = 0x80 | fmt;
  packet[1] = 206;
  packet.writeUInt16BE(packet.length / 4 - 1, 2);
  packet.writeUInt32BE(senderSsrc, 4);
  packet.writeUInt32BE(mediaSsrc, 8);
  fci.copy(packet, 12);
  return packet;
}

const parse = (bytes: Buffer) => RtcpPacketConverter.deSerialize(bytes);

describe('the WHIP publisher reading keyframe requests', () => {
  it('takes a PLI for its own video SSRC', () => {
    const [pli] = parse(psfb(1, 7, 4242));
    expect(pli && isKeyframeRequest(pli, 4242)).toBe(true);
  });

  it("ignores a PLI for another stream's SSRC", () => {
    const [pli] = parse(psfb(1, 7, 99));
    expect(pli && isKeyframeRequest(pli, 4242)).toBe(false);
  });

  it('takes a FIR', () => {
    const fci = Buffer.alloc(8);
    fci.writeUInt32BE(4242, 0);
    fci[4] = 1; // command sequence number
    const [fir] = parse(psfb(4, 7, 0, fci));
    expect(fir && isKeyframeRequest(fir, 4242)).toBe(true);
  });

  it('does not take a REMB for a keyframe request', () => {
    // REMB (FMT 15): "REMB", 1 SSRC, exponent 0 and mantissa 1000, then the SSRC.
    const fci = Buffer.from([0x52, 0x45, 0x4d, 0x42, 1, 0, 0x03, 0xe8, 0, 0, 0x10, 0x92]);
    const [remb] = parse(psfb(15, 7, 0, fci));
    expect(remb && isKeyframeRequest(remb, 4242)).toBe(false);
  });
});
