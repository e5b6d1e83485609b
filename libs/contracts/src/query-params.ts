import { z } from 'zod';

/**
 * A yes/no query parameter of the platform's HTTP APIs (`?live=` on the
 * stream list, WHEP's `?lipsync=`): `true`/`1` or `false`/`0`, undefined when
 * absent; anything else, a repeated parameter included, is refused.
 */
export const booleanQueryParam = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .optional()
  .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1'));
