import { z } from 'zod';

/** Shared by every app that issues or checks playback tokens (control-plane, ingest, edge, sfu, transcode). */
export const playbackSecretShape = {
  MEDIAPLANE_PLAYBACK_SECRET: z
    .string({ error: 'is required (no built-in default; `npm run up` generates one for local use)' })
    .min(16, 'must be at least 16 characters')
    .describe('HMAC secret of playback and internal pull tokens; the same value on every app. Required; no default.'),
} as const;
