import { verifyPlaybackToken } from '@mediaplane/sessions';

export type AccessVerdict = { ok: true } | { ok: false; status: 401 | 403; message: string };

/**
 * Private streams need `?token=` — a playback token signed for that stream
 * (scope `play`, or `internal` for platform services) and not expired.
 * Public streams need nothing.
 */
export function checkPlaybackAccess(secret: string, streamId: string, isPrivate: boolean, token: string | null): AccessVerdict {
  if (!isPrivate) return { ok: true };
  if (!token) return { ok: false, status: 401, message: 'token: this stream is private; a playback token is required' };
  const verdict = verifyPlaybackToken(secret, token, streamId);
  if (verdict.ok) return { ok: true };
  const why = { malformed: 'is malformed', bad_signature: 'has a bad signature', expired: 'has expired', wrong_stream: 'is for another stream' }[
    verdict.reason
  ];
  return { ok: false, status: 403, message: `token: ${why}` };
}
