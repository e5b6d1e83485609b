import fc from 'fast-check';
import { removeEmulationPrevention } from './h264-rbsp';
import { addEmulationPrevention } from './testing/h264-sps-builder';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('removeEmulationPrevention', () => {
  it('drops the 0x03 after two zero bytes', () => {
    expect(removeEmulationPrevention(hex('11 0000 03 01 0000 03 00 22')).toString('hex')).toBe('110000010000' + '0022');
  });

  it('keeps 0x03 that does not follow two zeros', () => {
    expect(removeEmulationPrevention(hex('00 03 0003 03')).toString('hex')).toBe('0003000303');
  });

  it('resets the zero count after a removed byte', () => {
    // 00 00 03 | 00 03: the second 03 follows only one zero and must stay
    expect(removeEmulationPrevention(hex('000003 0003')).toString('hex')).toBe('00000003');
  });

  it('drops a trailing 00 00 03', () => {
    expect(removeEmulationPrevention(hex('aa 000003')).toString('hex')).toBe('aa0000');
  });

  it('returns the input itself when there is nothing to remove', () => {
    const input = hex('6764001f');
    expect(removeEmulationPrevention(input)).toBe(input);
  });

  it('undoes emulation prevention for any payload', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const rbsp = Buffer.from(bytes);
        expect(removeEmulationPrevention(addEmulationPrevention(rbsp))).toEqual(rbsp);
      }),
      { numRuns: 500 },
    );
  });
});
