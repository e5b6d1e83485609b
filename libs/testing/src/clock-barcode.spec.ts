import { barcodeLatencyMs, clockValue } from './clock-barcode';

describe('the clock barcode value', () => {
  it('gives the time between drawing and reading, in the unit it was drawn with', () => {
    const drawnAt = 1_764_750_000_123;
    expect(barcodeLatencyMs(clockValue(drawnAt, 1), drawnAt + 87, 1)).toBe(87);
    expect(barcodeLatencyMs(clockValue(drawnAt, 10), drawnAt + 2_500, 10)).toBe(2_500);
  });

  it('survives the modulus wrapping between drawing and reading', () => {
    const drawnAt = 999_999_990; // value 999_999_990 ms, wraps to 0 ten ms later
    expect(barcodeLatencyMs(clockValue(drawnAt, 1), drawnAt + 25, 1)).toBe(25);
  });

  it('rejects a misread value: one from the future or more than a minute old', () => {
    const now = 1_764_750_000_000;
    expect(barcodeLatencyMs(clockValue(now + 5_000, 1), now, 1)).toBeUndefined();
    expect(barcodeLatencyMs(clockValue(now - 61_000, 1), now, 1)).toBeUndefined();
  });
});
