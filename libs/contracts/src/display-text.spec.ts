import { displayTextSchema } from './display-text';

const name = displayTextSchema({ max: 20, required: true });
const optional = displayTextSchema({ max: 20, required: false });

const refusal = (input: unknown, schema = name) => {
  const result = schema.safeParse(input);
  return result.success ? undefined : result.error.issues.map((i) => i.message).join('; ');
};

describe('displayTextSchema', () => {
  it.each([
    ['plain text', 'Evening show', 'Evening show'],
    ['trimmed', '  Show ', 'Show'],
    ['NFC: e + combining acute becomes é', 'Cafe\u0301', 'Caf\u00e9'],
    ['NFC: Hangul jamo compose', '\u1100\u1161', '\uac00'],
    ['emoji (a surrogate pair) kept', 'Live \u{1F3A5}', 'Live \u{1F3A5}'],
    ['RTL script without controls', 'שידור חי', 'שידור חי'],
    ['a zero-width joiner inside visible text', 'a\u200Db', 'a\u200Db'],
  ])('accepts %s', (_what, input, expected) => {
    expect(name.parse(input)).toBe(expected);
  });

  it.each([
    ['U+202A LRE', '\u202Aabc', /bidirectional/],
    ['U+202B RLE', 'a\u202Bbc', /bidirectional/],
    ['U+202C PDF', 'ab\u202Cc', /bidirectional/],
    ['U+202D LRO', 'ab\u202D', /bidirectional/],
    ['U+202E RLO', 'invoice\u202Efdp.exe', /bidirectional/],
    ['U+2066 LRI', '\u2066x', /bidirectional/],
    ['U+2067 RLI', '\u2067x', /bidirectional/],
    ['U+2068 FSI', '\u2068x', /bidirectional/],
    ['U+2069 PDI', 'x\u2069', /bidirectional/],
    ['U+200E LRM', 'x\u200E', /bidirectional/],
    ['U+200F RLM', 'x\u200Fy', /bidirectional/],
    ['U+061C ALM', 'x\u061Cy', /bidirectional/],
    ['a lone high surrogate', 'abc\uD83C', /lone surrogate/],
    ['a lone low surrogate', '\uDFA5abc', /lone surrogate/],
    ['reversed surrogates', '\uDFA5\uD83C', /lone surrogate/],
    ['empty', '', /must not be empty/],
    ['only spaces', '   ', /must not be empty/],
    ['only zero-width space', '\u200B', /must not be empty/],
    ['only ZWNJ/ZWJ/word joiner/BOM', '\u200C\u200D\u2060\uFEFF', /must not be empty/],
    ['only invisible and spaces', ' \u200B \uFEFF ', /must not be empty/],
    ['a control character', 'a\u0007b', /control characters/],
    ['a newline inside', 'a\nb', /control characters/],
    ['too long', 'x'.repeat(21), /at most 20 characters/],
    ['not a string', 42, /must be a string/],
    ['missing', undefined, /is required/],
  ])('refuses %s with a clear message', (_what, input, message) => {
    expect(refusal(input)).toMatch(message);
  });

  it('counts the length after NFC (a decomposed name that fits once composed is accepted)', () => {
    expect(name.parse('e\u0301'.repeat(20))).toBe('\u00e9'.repeat(20));
  });

  it('when not required, empty is allowed but bidi controls and lone surrogates are not', () => {
    expect(optional.parse('')).toBe('');
    expect(refusal('\u202E', optional)).toMatch(/bidirectional/);
    expect(refusal('\uD800', optional)).toMatch(/lone surrogate/);
  });
});
