import { DEFAULT_SEMI_SPACE_MB, youngGenerationRestartFlags } from './young-generation-cap';

describe('youngGenerationRestartFlags', () => {
  it('starts again with the default cap when nothing says otherwise', () => {
    expect(youngGenerationRestartFlags({}, [])).toEqual([`--max-semi-space-size=${DEFAULT_SEMI_SPACE_MB}`]);
    expect(youngGenerationRestartFlags({ INGEST_V8_SEMI_SPACE_MB: '' }, ['--enable-source-maps'])).toEqual([`--max-semi-space-size=${DEFAULT_SEMI_SPACE_MB}`]);
  });

  it('takes the size from INGEST_V8_SEMI_SPACE_MB, and 0 keeps V8 sizing the young generation itself', () => {
    expect(youngGenerationRestartFlags({ INGEST_V8_SEMI_SPACE_MB: '16' }, [])).toEqual(['--max-semi-space-size=16']);
    expect(youngGenerationRestartFlags({ INGEST_V8_SEMI_SPACE_MB: '0' }, [])).toBeUndefined();
  });

  it('leaves a cap given on the command line or in NODE_OPTIONS alone, which also keeps the restarted process from starting again', () => {
    expect(youngGenerationRestartFlags({}, ['--max-semi-space-size=4'])).toBeUndefined();
    expect(youngGenerationRestartFlags({}, ['--max-semi-space-size', '8'])).toBeUndefined();
    expect(youngGenerationRestartFlags({ NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=32' }, [])).toBeUndefined();
  });

  it('does not take a look-alike flag for the cap', () => {
    expect(youngGenerationRestartFlags({ NODE_OPTIONS: '--min-semi-space-size=2' }, ['--max-semi-space-sizes=1'])).toEqual([
      `--max-semi-space-size=${DEFAULT_SEMI_SPACE_MB}`,
    ]);
  });

  it('refuses a size that is not a whole number of MB in range, naming the setting', () => {
    for (const bad of ['4.5', '-1', 'big', '4096']) {
      expect(() => youngGenerationRestartFlags({ INGEST_V8_SEMI_SPACE_MB: bad }, [])).toThrow(/INGEST_V8_SEMI_SPACE_MB/);
    }
  });
});
