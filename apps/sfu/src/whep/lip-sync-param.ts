import { BadRequestException } from '@nestjs/common';
import { booleanQueryParam } from '@mediaplane/contracts';

/**
 * WHEP's `?lipsync=` query parameter: absent, `true` or `1` keeps the
 * viewer's audio and video in lip sync (the default); `false` or `0` lets the
 * browser show each frame without waiting for the sound (RtcPeerOptions.lipSync).
 */
export function parseLipSyncParam(value: unknown): boolean {
  const parsed = booleanQueryParam.safeParse(value);
  if (!parsed.success) throw new BadRequestException('lipsync must be true or false');
  return parsed.data ?? true;
}
