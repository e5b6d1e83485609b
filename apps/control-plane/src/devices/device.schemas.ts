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
      'A preset (`360p`, `480p`, `720p`, `1080p`, all 30 fps; portrait on a device whose screen is portrait, e.g. 360x640) or an explicit `{width, height, fps, bitrateKbps}`.',
    ),
  })
  .describe('StartCaptureRequest');
export type StartCaptureApiRequest = z.output<typeof StartCaptureApiRequestSchema>;

/**
 * The quality a capture is asked for. A preset names the short side (360p: 640x360) and is turned to the device's
 * screen orientation: a phone held upright gets 360x640, so its picture fills the box (and its H.264 can pass
 * through) instead of being pillarboxed into a landscape frame. Explicit sizes are taken as given.
 */
export function resolveQuality(quality: z.output<typeof CaptureQualityRequestSchema>, screen?: { width: number; height: number }): CaptureQualityView {
  if (!('preset' in quality)) return quality;
  const preset = { ...CAPTURE_QUALITY_PRESETS[quality.preset] };
  return screen && screen.height > screen.width ? { ...preset, width: preset.height, height: preset.width } : preset;
}
