import { z } from 'zod';
import { CAPTURE_QUALITY_PRESETS, CaptureOutputSchema, CaptureQualityPresetSchema, CaptureQualitySchema, type CaptureQualityView } from '@mediaplane/contracts';

// Requests of the devices API; its responses are in @mediaplane/contracts (control-plane-api.contracts.ts).

export const CaptureQualityRequestSchema = z.union([z.strictObject({ preset: CaptureQualityPresetSchema }), CaptureQualitySchema.strict()]);

export const StartCaptureApiRequestSchema = z
  .strictObject({
    output: CaptureOutputSchema.default('rtmp').describe(
      'How the agent publishes: `rtmp` or `srt` into ingest, or `whip` to the SFU over WebRTC (real time, adaptive quality, watch it over WHEP).',
    ),
    quality: CaptureQualityRequestSchema.default({ preset: '720p' }).describe(
      'A preset (`360p`, `480p`, `720p`, `1080p`, all 30 fps) or an explicit `{width, height, fps, bitrateKbps}`.',
    ),
  })
  .describe('StartCaptureRequest');
export type StartCaptureApiRequest = z.output<typeof StartCaptureApiRequestSchema>;

export function resolveQuality(quality: z.output<typeof CaptureQualityRequestSchema>): CaptureQualityView {
  return 'preset' in quality ? { ...CAPTURE_QUALITY_PRESETS[quality.preset] } : quality;
}
