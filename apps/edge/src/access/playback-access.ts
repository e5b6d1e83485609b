import { verifyPlaybackToken, type TokenScope } from '@mediaplane/sessions';

/**
 * `scope` says who asks: a viewer (`play` token, or `anonymous` on a public
 * stream without a valid token) or a platform service (`internal`), which
 * is served but never counted as a viewer.
 */
export type AccessVerdict = { ok: true; scope: TokenScope | 'anonymous' } | { ok: false; status: 401 | 403; message: string };

/**
 * Private streams need `?token=` — a playback token signed for that stream
 * (scope `play`, or `internal` for platform services) and not expired.
 * Public streams need nothing; a valid token on one still tells an internal
 * fetch from a viewer.
 */
export function checkPlaybackAccess(secret: string, streamId: string, isPrivate: boolean, token: string | null): AccessVerdict {
  if (!isPrivate) {
    const verdict = token ? verifyPlaybackToken(secret, token, streamId) : undefined;
    return { ok: true, scope: verdict?.ok ? verdict.claims.scope : 'anonymous' };
  }
  if (!token) return { ok: false, status: 401, message: 'token: this stream is private; a playback token is required' };
  const verdict = verifyPlaybackToken(secret, token, streamId);
  if (verdict.ok) return { ok: true, scope: verdict.claims.scope };
  const why = { malformed: 'is malformed', bad_signature: 'has a bad signature', expired: 'has expired', wrong_stream: 'is for another stream' }[
    verdict.reason
  ];
  return { ok: false, status: 403, message: `token: ${why}` };
}
