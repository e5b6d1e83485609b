import { BadRequestException } from '@nestjs/common';

/**
 * WHEP's `?lipsync=` query parameter: absent, `true` or `1` keeps the
 * viewer's audio and video in lip sync (the default); `false` or `0` lets the
 * browser show each frame without waiting for the sound (RtcPeerOptions.lipSync).
 */
export function parseLipSyncParam(value: unknown): boolean {
  if (value === undefined) return true;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new BadRequestException('lipsync must be true or false');
}
