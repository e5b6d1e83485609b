import { chooseOutputFrameRate, fpsText } from './frame-rate';

describe('chooseOutputFrameRate', () => {
  it.each([
    [30, 60, '30'],
    [29.97, 60, '30000/1001'],
    [25, 60, '25'],
    [59.94, 60, '60000/1001'],
    [23.98, 60, '24000/1001'],
    [15.2, 60, '15'],
  ])('keeps a standard source rate (%s fps, cap %s) as %s', (source, cap, expected) => {
    expect(fpsText(chooseOutputFrameRate(source, cap))).toBe(expected);
  });

  it('gives variable-rate sources a constant 30', () => {
    expect(fpsText(chooseOutputFrameRate(17.3, 60))).toBe('30');
    expect(fpsText(chooseOutputFrameRate(undefined, 60))).toBe('30');
    expect(fpsText(chooseOutputFrameRate(0, 60))).toBe('30');
  });

  it('halves rates above the cap', () => {
    expect(fpsText(chooseOutputFrameRate(60, 30))).toBe('30');
    expect(fpsText(chooseOutputFrameRate(59.94, 30))).toBe('30000/1001');
    expect(fpsText(chooseOutputFrameRate(120, 60))).toBe('60');
  });
});
