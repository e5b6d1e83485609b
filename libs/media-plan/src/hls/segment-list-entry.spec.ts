import { localSegmentIndex, parseSegmentListLine } from './segment-list-entry';

describe('parseSegmentListLine', () => {
  it('reads file, start and end', () => {
    expect(parseSegmentListLine('r0-12.ts,24.000000,26.066667')).toEqual({ file: 'r0-12.ts', startSeconds: 24, endSeconds: 26.066667 });
  });

  it.each(['', 'x.ts', '"a,b.ts",1,2', '../x.ts,1,2', 'x.ts,2,1', 'x.ts,a,b', 'x.ts,1,2,3'])('rejects %j', (line) => {
    expect(parseSegmentListLine(line)).toBeUndefined();
  });
});

describe('localSegmentIndex', () => {
  it('reads the counter FFmpeg put in the name', () => {
    expect(localSegmentIndex('r3-17.ts')).toBe(17);
    expect(localSegmentIndex('thumbnail.jpg')).toBeUndefined();
  });
});
