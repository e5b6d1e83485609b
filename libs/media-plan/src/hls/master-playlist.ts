export interface MasterVariant {
  /** Path of the media playlist relative to the master (`720p/index.m3u8`). */
  uri: string;
  bandwidth: number;
  averageBandwidth?: number;
  width: number;
  height: number;
  codecs: string;
  frameRate?: number;
}

/**
 * The multivariant playlist: one EXT-X-STREAM-INF per rendition with peak
 * and average bandwidth, resolution, RFC 6381 codecs and frame rate, so
 * players pick and switch renditions without probing them.
 */
export function renderMasterPlaylist(variants: readonly MasterVariant[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of variants) {
    const attributes = [
      `BANDWIDTH=${Math.ceil(v.bandwidth)}`,
      ...(v.averageBandwidth ? [`AVERAGE-BANDWIDTH=${Math.ceil(v.averageBandwidth)}`] : []),
      `RESOLUTION=${v.width}x${v.height}`,
      `CODECS="${v.codecs}"`,
      ...(v.frameRate ? [`FRAME-RATE=${v.frameRate.toFixed(3)}`] : []),
    ];
    lines.push(`#EXT-X-STREAM-INF:${attributes.join(',')}`, v.uri);
  }
  return `${lines.join('\n')}\n`;
}
