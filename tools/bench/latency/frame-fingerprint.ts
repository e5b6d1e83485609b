import type { SourceTag } from '../common/flv-source';

/**
 * Identifies a video frame by its bytes, so a frame can be matched between
 * the publisher and a viewer whatever the server does to timestamps
 * (nginx-rtmp re-bases them per player). Length plus a few words from the
 * middle and the end: the bench source carries temporal noise, so every frame
 * of a loop differs there (uniqueness is checked on load).
 */
export function frameFingerprint(data: Buffer): string {
  const n = data.length;
  if (n < 16) return `${n}:${data.toString('hex')}`;
  const mid = n >> 1;
  return `${n}:${data.readUInt32BE(mid - 4).toString(16)}:${data.readUInt32BE(n - 8).toString(16)}:${data.readUInt32BE(n - 4).toString(16)}`;
}

/** Fingerprints of the source's video frames, without the ones that occur twice in a loop (they could not be matched). */
export function uniqueVideoFingerprints(frames: readonly SourceTag[]): { unique: Set<string>; ambiguous: number } {
  const seen = new Map<string, number>();
  for (const f of frames) {
    if (f.kind !== 'video-key' && f.kind !== 'video-inter') continue;
    const fp = frameFingerprint(f.data);
    seen.set(fp, (seen.get(fp) ?? 0) + 1);
  }
  const unique = new Set<string>();
  let ambiguous = 0;
  for (const [fp, count] of seen) {
    if (count === 1) unique.add(fp);
    else ambiguous += count;
  }
  return { unique, ambiguous };
}
