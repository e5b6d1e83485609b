import { SrtRejectCode } from '@mediaplane/srt';
import type { PublishRefusal } from '../publish/publish-authorizer.service';
import type { PlaybackAccess } from '../playback/playback-access.service';

/** SRT reject reasons (libsrt's SRT_REJX_* user range: 1000 + the HTTP code the situation would have). */
type RejectCode = (typeof SrtRejectCode)[keyof typeof SrtRejectCode];

/** A refused publish, as SRT tells the caller. */
export function publishRejectCode(reason: PublishRefusal): RejectCode {
  switch (reason) {
    case 'invalid_key':
    case 'unknown_key':
      return SrtRejectCode.FORBIDDEN;
    case 'rate_limited':
      return SrtRejectCode.TOO_MANY;
    case 'busy':
      return SrtRejectCode.CONFLICT;
    case 'bad_app':
      return SrtRejectCode.BAD_REQUEST;
    case 'unavailable':
      return SrtRejectCode.UNAVAILABLE;
  }
}

/** A refused play, as SRT tells the caller: a missing and an invalid token are both "unauthorized" (SRT has one code for both). */
export function playRejectCode(access: Extract<PlaybackAccess, { ok: false }>): RejectCode {
  switch (access.status) {
    case 400:
      return SrtRejectCode.BAD_REQUEST;
    case 401:
    case 403:
      return SrtRejectCode.UNAUTHORIZED;
    case 404:
      return SrtRejectCode.NOT_FOUND;
  }
}
