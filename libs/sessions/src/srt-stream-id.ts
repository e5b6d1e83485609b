import { StreamIdSchema } from '@mediaplane/contracts';

/**
 * SRT access-control stream ids (the `streamid` socket option a caller sends
 * in its handshake), as the platform reads them:
 *
 * - publish: `#!::r=live/{streamKey},m=publish`, or the plain `live/{streamKey}`
 *   that simple encoders send (plain always means publish);
 * - play:    `#!::r=live/{streamId},m=request` with `,s={playbackToken}` for a
 *   private stream (`s` is the access-control "session id", used only for
 *   verification).
 *
 * Per the SRT access-control convention, `m` defaults to `request`, values
 * cannot contain `,`, and the keys `u` (user), `h` (host) and `t` (type,
 * `stream` only) are accepted and ignored. The stream id is bytes from the
 * network: it is bounded before anything else, and an error never repeats
 * a key or a token.
 */
export type SrtStreamIdRequest = { mode: 'publish'; streamKey: string } | { mode: 'request'; streamId: string; token?: string };

export type SrtStreamIdParse = { ok: true; request: SrtStreamIdRequest } | { ok: false; error: string };

/** libsrt's own limit on the streamid option (SRT_STREAMID_MAX_LENGTH). */
export const SRT_STREAM_ID_MAX_LENGTH = 512;
/** The one application, as for RTMP (`rtmp://HOST/live/…`). */
export const SRT_RESOURCE_APP = 'live';

const ACCESS_CONTROL_PREFIX = '#!::';
const MAX_KEY_LENGTH = 256;
const MAX_TOKEN_LENGTH = 512;
const IGNORED_KEYS = new Set(['u', 'h', 't']);
/** Printable ASCII without space and `,` (the pair separator): what keys and tokens consist of. */
const VALUE_CHARACTERS = /^[\x21-\x2b\x2d-\x7e]*$/;

export function parseSrtStreamId(raw: string): SrtStreamIdParse {
  if (raw.length === 0) return fail('no streamid; publish with streamid=#!::r=live/{streamKey},m=publish');
  if (raw.length > SRT_STREAM_ID_MAX_LENGTH) return fail(`streamid longer than ${SRT_STREAM_ID_MAX_LENGTH} characters`);
  if (!raw.startsWith(ACCESS_CONTROL_PREFIX)) {
    // Plain form: simple encoders only know "a stream id", and it is always a publish.
    const key = resourceName(raw);
    if (!key.ok) return key;
    return checkedKey(key.name);
  }
  const pairs = new Map<string, string>();
  for (const pair of raw.slice(ACCESS_CONTROL_PREFIX.length).split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return fail('streamid pairs must be key=value, separated by ","');
    const key = pair.slice(0, eq);
    if (pairs.has(key)) return fail('streamid repeats a key');
    pairs.set(key, pair.slice(eq + 1));
  }
  for (const key of pairs.keys()) {
    if (key !== 'r' && key !== 'm' && key !== 's' && !IGNORED_KEYS.has(key)) return fail('streamid has a key other than r, m, s, u, h, t');
  }
  const type = pairs.get('t');
  if (type !== undefined && type !== 'stream') return fail('only t=stream is supported');
  const resource = pairs.get('r');
  if (resource === undefined) return fail('streamid has no r= (r=live/{streamKey} to publish, r=live/{streamId} to play)');
  const name = resourceName(resource);
  if (!name.ok) return name;
  const mode = pairs.get('m') ?? 'request';
  if (mode === 'publish') return checkedKey(name.name);
  if (mode !== 'request') return fail('m must be publish or request');
  if (!StreamIdSchema.safeParse(name.name).success) return fail('stream id must be 1-64 of A-Z a-z 0-9 _ -');
  const token = pairs.get('s');
  if (token === undefined) return { ok: true, request: { mode: 'request', streamId: name.name } };
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !VALUE_CHARACTERS.test(token)) return fail('s= (the playback token) is malformed');
  return { ok: true, request: { mode: 'request', streamId: name.name, token } };
}

/** The streamid for a request; tests, tools and URL builders use it so the two sides agree. */
export function formatSrtStreamId(request: SrtStreamIdRequest): string {
  if (request.mode === 'publish') return `${ACCESS_CONTROL_PREFIX}r=${SRT_RESOURCE_APP}/${request.streamKey},m=publish`;
  return `${ACCESS_CONTROL_PREFIX}r=${SRT_RESOURCE_APP}/${request.streamId},m=request${request.token ? `,s=${request.token}` : ''}`;
}

function resourceName(resource: string): { ok: true; name: string } | { ok: false; error: string } {
  const slash = resource.indexOf('/');
  if (slash < 0 || resource.slice(0, slash) !== SRT_RESOURCE_APP) return fail(`the resource must be ${SRT_RESOURCE_APP}/{name}`);
  const name = resource.slice(slash + 1);
  if (name.length === 0 || name.includes('/')) return fail(`the resource must be ${SRT_RESOURCE_APP}/{name}`);
  return { ok: true, name };
}

/** Only the shape is checked here (never echoed): whether the key exists is the authorizer's question. */
function checkedKey(key: string): SrtStreamIdParse {
  if (key.length > MAX_KEY_LENGTH || !VALUE_CHARACTERS.test(key)) return fail('the stream key is malformed');
  return { ok: true, request: { mode: 'publish', streamKey: key } };
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}
