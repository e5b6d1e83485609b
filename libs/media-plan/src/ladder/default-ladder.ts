import { LadderSchema, type Ladder } from '@mediaplane/contracts';

/** 1080p / 720p / 480p / 360p H.264 + AAC, plus the `source` passthrough; rungs above the source are skipped. */
export const DEFAULT_LADDER: Ladder = LadderSchema.parse({
  rungs: [
    { name: '1080p', height: 1080, videoBitrateKbps: 5000, audioBitrateKbps: 128 },
    { name: '720p', height: 720, videoBitrateKbps: 2800, audioBitrateKbps: 128 },
    { name: '480p', height: 480, videoBitrateKbps: 1400, audioBitrateKbps: 96 },
    { name: '360p', height: 360, videoBitrateKbps: 800, audioBitrateKbps: 96 },
  ],
});
