const TAG = '#EXT-X-TARGETDURATION:';

/**
 * The `EXT-X-TARGETDURATION` of a media playlist, in seconds, read straight
 * from the bytes (no decoding: it runs on every playlist served).
 */
export function targetDurationOf(playlist: Buffer): number | undefined {
  const at = playlist.indexOf(TAG);
  if (at < 0) return undefined;
  let value = 0;
  let digits = 0;
  for (let i = at + TAG.length; i < playlist.length && digits < 6; i++, digits++) {
    const c = playlist[i] as number;
    if (c < 0x30 || c > 0x39) break;
    value = value * 10 + (c - 0x30);
  }
  return digits > 0 && value > 0 ? value : undefined;
}
