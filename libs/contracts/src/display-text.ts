import { z } from 'zod';

/**
 * Bidirectional formatting characters (LRE…RLO, LRI…PDI, LRM/RLM, ALM): in
 * a name they can make text read differently from what it is ("Trojan
 * Source" spoofing in dashboards, logs and lists).
 */
export const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u;
/** Characters that take no space: a name made only of them (and spaces) looks empty. */
const INVISIBLE = /[\s\u200B-\u200D\u2060\uFEFF]/gu;
/** In a `u` regex this matches only unpaired surrogate halves (a pair is one code point). */
const LONE_SURROGATE = /\p{Surrogate}/u;
const CONTROL_CHARACTERS = /[\x00-\x1f\x7f]/u;

/**
 * Operator-chosen text shown to people (stream names, participant
 * identities, descriptions): refused when it holds a lone surrogate, a
 * control or a bidi control character, or shows nothing but invisible
 * characters; otherwise NFC-normalized and trimmed, so one name has one
 * spelling. Each refusal says why, as a 400 message.
 */
export function displayTextSchema(options: { max: number; required: boolean }) {
  // Built-in min/max (not refinements), so OpenAPI shows minLength/maxLength; zod runs the checks in this order.
  const text = z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .refine((s) => !LONE_SURROGATE.test(s), { message: 'must be valid Unicode (it holds a lone surrogate)', abort: true })
    .overwrite((s) => s.normalize('NFC'))
    .trim();
  const sized = (options.required ? text.min(1, 'must not be empty') : text).max(options.max, `must be at most ${options.max} characters`);
  return sized
    .refine((s) => !CONTROL_CHARACTERS.test(s), 'must not contain control characters')
    .refine((s) => !BIDI_CONTROLS.test(s), 'must not contain bidirectional control characters (U+202A-202E, U+2066-2069, U+200E, U+200F, U+061C)')
    .refine((s) => !options.required || s.length === 0 || s.replace(INVISIBLE, '').length > 0, 'must not be empty (only invisible characters)');
}
