import { ByteWriter } from './byte-writer';

describe('ByteWriter', () => {
  describe('when writing past its initial capacity', () => {
    it('grows and keeps everything written, big-endian', () => {
      const w = new ByteWriter(16);
      for (let i = 0; i < 100; i++) w.u16(i);
      w.u32(0xdeadbeef);
      w.f64(1);
      w.s16(-2);
      w.bytes(Buffer.from('zz'));
      const out = w.toBuffer();
      expect(out).toHaveLength(200 + 4 + 8 + 2 + 2);
      expect(out.readUInt16BE(198)).toBe(99);
      expect(out.subarray(200).toString('hex')).toBe('deadbeef' + '3ff0000000000000' + 'fffe' + '7a7a');
    });
  });

  describe('when the result is taken', () => {
    it('is an exact-size copy that later writes do not change', () => {
      const w = new ByteWriter();
      w.u8(1);
      const out = w.toBuffer();
      w.u8(2);
      expect(out.toString('hex')).toBe('01');
      expect(w.length).toBe(2);
    });
  });
});
