import { isViewerIndependent, perViewerHeap, type HeapKinds } from './heap-diff';

describe('perViewerHeap', () => {
  it('divides what each kind grew by among the viewers, largest first, leaving out kinds that shrank', () => {
    const before: HeapKinds = new Map([
      ['Socket', { count: 2, selfBytes: 688 }],
      ['(code)', { count: 10, selfBytes: 5000 }],
    ]);
    const after: HeapKinds = new Map([
      ['Socket', { count: 102, selfBytes: 35_088 }],
      ['(code)', { count: 9, selfBytes: 4000 }],
      ['HubViewer', { count: 100, selfBytes: 12_000 }],
    ]);
    expect(perViewerHeap(before, after, 100)).toEqual([
      { kind: 'Socket', countPerViewer: 1, bytesPerViewer: 344 },
      { kind: 'HubViewer', countPerViewer: 1, bytesPerViewer: 120 },
    ]);
  });

  it('sets apart compiled code and buffer bytes, which do not grow with the viewers', () => {
    expect(isViewerIndependent('(code)')).toBe(true);
    expect(isViewerIndependent('(native) system / JSArrayBufferData')).toBe(true);
    expect(isViewerIndependent('(native) Node / TCPSocketWrap')).toBe(false);
    expect(isViewerIndependent('Socket')).toBe(false);
  });
});
