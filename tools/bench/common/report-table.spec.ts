import { fmt, fmtRatio, formatTable } from './report-table';

describe('formatTable', () => {
  it('aligns the first column left and the others right under a rule', () => {
    expect(
      formatTable(
        ['server', 'cpu%'],
        [
          ['ours', '12.5'],
          ['nginx', '3.0'],
        ],
      ),
    ).toBe(['server  cpu%', '------  ----', 'ours    12.5', 'nginx    3.0'].join('\n'));
  });
});

describe('fmt', () => {
  it('prints fixed decimals and a dash for missing values', () => {
    expect(fmt(1.234, 2)).toBe('1.23');
    expect(fmt(undefined)).toBe('-');
    expect(fmt(Number.NaN)).toBe('-');
  });
});

describe('fmtRatio', () => {
  it('keeps two significant digits for small ratios and a dash for missing ones', () => {
    expect(fmtRatio(0.634)).toBe('0.63×');
    expect(fmtRatio(0.002791)).toBe('0.0028×');
    expect(fmtRatio(Infinity)).toBe('-');
  });
});
