/** One line of FFmpeg's CSV segment list: a finished segment and its media time span. */
export interface SegmentListEntry {
  file: string;
  startSeconds: number;
  endSeconds: number;
}

/**
 * Parses `r0-12.ts,24.000000,26.000000`. FFmpeg quotes names containing
 * commas or quotes; ours never do, so such lines (and anything malformed)
 * are rejected rather than guessed at.
 */
export function parseSegmentListLine(line: string): SegmentListEntry | undefined {
  const m = /^([A-Za-z0-9._-]{1,128}),(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(line.trim());
  if (!m) return undefined;
  const startSeconds = Number(m[2]);
  const endSeconds = Number(m[3]);
  if (!(endSeconds >= startSeconds)) return undefined;
  return { file: m[1] as string, startSeconds, endSeconds };
}

/** `r3-17.ts` → 17: FFmpeg's per-run segment counter. */
export function localSegmentIndex(file: string): number | undefined {
  const m = /-(\d+)\.ts$/.exec(file);
  return m ? Number(m[1]) : undefined;
}
