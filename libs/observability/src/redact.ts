/**
 * Secrets must never reach logs, metrics or traces. Structured fields are
 * removed by key name; free text (URLs, error messages) is scrubbed of
 * `key=…`-style query values and bearer tokens.
 */
export const SECRET_FIELD_NAMES = [
  'streamKey',
  'stream_key',
  'key',
  'token',
  'accessToken',
  'playbackToken',
  'password',
  'passphrase',
  'secret',
  'authorization',
  'cookie',
  'adminToken',
] as const;

const SECRET_FIELDS = new Set<string>(SECRET_FIELD_NAMES.map((n) => n.toLowerCase()));

/** Query parameters whose values are secrets (matched without case in text; listed in the spellings URLs use). */
export const SECRET_QUERY_PARAMS = ['key', 'token', 'streamKey', 'streamkey', 'stream_key', 'passphrase', 'password', 'secret', 'access_token'] as const;

const QUERY_SECRET = new RegExp(`([?&;](?:${[...new Set(SECRET_QUERY_PARAMS.map((p) => p.toLowerCase()))].join('|')})=)[^&\\s#"']*`, 'gi');
const BEARER = /(bearer\s+)[A-Za-z0-9._~+/=-]+/gi;
const SRT_STREAMID_KEY = /(#!::r=[^,/\s]+\/)[^,\s]+/g;

export const REDACTED = '[REDACTED]';

export function redactText(text: string): string {
  return text.replace(QUERY_SECRET, `$1${REDACTED}`).replace(BEARER, `$1${REDACTED}`).replace(SRT_STREAMID_KEY, `$1${REDACTED}`);
}

export function isSecretField(name: string): boolean {
  return SECRET_FIELDS.has(name.toLowerCase());
}

/** Deep copy with secret fields replaced and strings scrubbed; bounded depth. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { type: value.name, message: redactText(value.message), stack: value.stack ? redactText(value.stack) : undefined };
  }
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = isSecretField(k) ? REDACTED : redactValue(v, depth + 1);
  }
  return out;
}
