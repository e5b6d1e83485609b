import { DEFAULT_HEAP_GROWING_PERCENT, DEFAULT_SEMI_SPACE_MB, v8HeapRestartFlags } from './v8-heap-flags';

const SEMI_SPACE = [`--max-semi-space-size=${DEFAULT_SEMI_SPACE_MB}`, `--min-semi-space-size=${DEFAULT_SEMI_SPACE_MB}`];
const GROWING = '--heap-growing-percent=50';
const GROWING_SET = { INGEST_V8_HEAP_GROWING_PERCENT: '50' };

describe('v8HeapRestartFlags', () => {
  it("starts again with the young generation's size fixed only when nothing says otherwise: the old generation's margin is V8's own", () => {
    expect(DEFAULT_HEAP_GROWING_PERCENT).toBe(0);
    expect(v8HeapRestartFlags({}, [])).toEqual(SEMI_SPACE);
    expect(v8HeapRestartFlags({ INGEST_V8_SEMI_SPACE_MB: '', INGEST_V8_HEAP_GROWING_PERCENT: '' }, ['--enable-source-maps'])).toEqual(SEMI_SPACE);
  });

  it('takes the values from their settings, and 0 keeps V8 sizing that part itself', () => {
    expect(v8HeapRestartFlags({ INGEST_V8_SEMI_SPACE_MB: '16', INGEST_V8_HEAP_GROWING_PERCENT: '100' }, [])).toEqual([
      '--max-semi-space-size=16',
      '--min-semi-space-size=16',
      '--heap-growing-percent=100',
    ]);
    expect(v8HeapRestartFlags({ INGEST_V8_SEMI_SPACE_MB: '0', ...GROWING_SET }, [])).toEqual([GROWING]);
    expect(v8HeapRestartFlags({ INGEST_V8_HEAP_GROWING_PERCENT: '0' }, [])).toEqual(SEMI_SPACE);
    expect(v8HeapRestartFlags({ INGEST_V8_SEMI_SPACE_MB: '0' }, [])).toBeUndefined();
  });

  it('leaves a flag given on the command line or in NODE_OPTIONS alone, which also keeps the restarted process from starting again', () => {
    expect(v8HeapRestartFlags(GROWING_SET, ['--max-semi-space-size=4', '--heap-growing-percent=20'])).toBeUndefined();
    expect(v8HeapRestartFlags(GROWING_SET, ['--max-semi-space-size', '8'])).toEqual([GROWING]);
    // Either semi-space flag is the operator's own sizing: the other is not added beside it.
    expect(v8HeapRestartFlags({}, ['--min-semi-space-size=2'])).toBeUndefined();
    expect(
      v8HeapRestartFlags({ ...GROWING_SET, NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=32' }, ['--heap-growing-percent=10']),
    ).toBeUndefined();
    // The restarted process of the default: the size is given, nothing else is asked for.
    expect(v8HeapRestartFlags({}, SEMI_SPACE)).toBeUndefined();
  });

  it('does not take a look-alike flag for one of its own', () => {
    expect(v8HeapRestartFlags({ ...GROWING_SET, NODE_OPTIONS: '--min-semi-space-sizes=2' }, ['--max-semi-space-sizes=1', '--heap-growing-percents=3'])).toEqual(
      [...SEMI_SPACE, GROWING],
    );
  });

  it('refuses a value that is not a whole number in range, naming the setting', () => {
    for (const bad of ['4.5', '-1', 'big', '4096']) {
      expect(() => v8HeapRestartFlags({ INGEST_V8_SEMI_SPACE_MB: bad }, [])).toThrow(/INGEST_V8_SEMI_SPACE_MB/);
      expect(() => v8HeapRestartFlags({ INGEST_V8_HEAP_GROWING_PERCENT: bad }, [])).toThrow(/INGEST_V8_HEAP_GROWING_PERCENT/);
    }
  });
});
