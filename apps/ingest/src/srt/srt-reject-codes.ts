import type { PublishRefusal } from '../publish/publish-authorizer.service';
import type { PlaybackAccess } from '../playback/playback-access.service';

/**
 * SRT reject reasons (libsrt's SRT_REJX_* user range: 1000 + the HTTP code
 * the situation would have). The caller sees them as its connect error
 * (FFmpeg: "Connection rejected: …", srt-live-transmit: the reject reason).
 */
export const SrtRejectCode = {
  badRequest: 1400,
  unauthorized: 1401,
  forbidden: 1403,
  notFound: 1404,
  conflict: 1409,
  tooManyRequests: 1429,
  internal: 1500,
  unavailable: 1503,
} as const;
export type SrtRejectCode = (typeof SrtRejectCode)[keyof typeof SrtRejectCode];

/** A refused publish, as SRT tells the caller. */
export function publishRejectCode(reason: PublishRefusal): SrtRejectCode {
  switch (reason) {
    case 'invalid_key':
    case 'unknown_key':
      return SrtRejectCode.forbidden;
    case 'rate_limited':
      return SrtRejectCode.tooManyRequests;
    case 'busy':
      return SrtRejectCode.conflict;
    case 'bad_app':
      return SrtRejectCode.badRequest;
    case 'unavailable':
      return SrtRejectCode.unavailable;
  }
}

/** A refused play, as SRT tells the caller: a missing and an invalid token are both "unauthorized" (SRT has one code for both). */
export function playRejectCode(access: Extract<PlaybackAccess, { ok: false }>): SrtRejectCode {
  switch (access.status) {
    case 400:
      return SrtRejectCode.badRequest;
    case 401:
    case 403:
      return SrtRejectCode.unauthorized;
    case 404:
      return SrtRejectCode.notFound;
  }
}
