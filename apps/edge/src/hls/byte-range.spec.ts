import { byteRangeOf } from './byte-range';

describe('byteRangeOf', () => {
  it('serves one range of bytes a-b, a- and the suffix -n', () => {
    expect(byteRangeOf('bytes=0-99', 1000)).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(byteRangeOf('bytes=500-', 1000)).toEqual({ kind: 'partial', start: 500, end: 999 });
    expect(byteRangeOf('bytes=-100', 1000)).toEqual({ kind: 'partial', start: 900, end: 999 });
    expect(byteRangeOf('BYTES= 10-10', 1000)).toEqual({ kind: 'partial', start: 10, end: 10 });
  });

  it('clips a range past the end to the object', () => {
    expect(byteRangeOf('bytes=900-5000', 1000)).toEqual({ kind: 'partial', start: 900, end: 999 });
    expect(byteRangeOf('bytes=-5000', 1000)).toEqual({ kind: 'partial', start: 0, end: 999 });
  });

  it('says a range starting past the end (or an empty suffix) cannot be satisfied', () => {
    expect(byteRangeOf('bytes=1000-', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(byteRangeOf('bytes=2000-3000', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(byteRangeOf('bytes=-0', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(byteRangeOf('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('serves the whole object for no header, other units, several ranges or nonsense', () => {
    for (const header of [undefined, '', 'items=0-1', 'bytes=0-1,5-6', 'bytes=5-1', 'bytes=-', 'bytes=a-b', `bytes=0-${'9'.repeat(20)}`])
      expect(byteRangeOf(header, 1000)).toEqual({ kind: 'whole' });
  });
});
