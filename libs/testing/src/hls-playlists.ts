/** Minimal HLS playlist readers for tests (the worker writes playlists; these check them independently). */

export interface MasterEntry {
  uri: string;
  attributes: Record<string, string>;
  bandwidth: number;
  width: number;
  height: number;
  codecs: string;
  frameRate?: number;
}

export function parseMaster(text: string): { lines: string[]; variants: MasterEntry[] } {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const variants: MasterEntry[] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith('#EXT-X-STREAM-INF:')) return;
    const attributes: Record<string, string> = {};
    for (const m of line.slice('#EXT-X-STREAM-INF:'.length).matchAll(/([A-Z0-9-]+)=("[^"]*"|[^,]*)/g))
      attributes[m[1] as string] = (m[2] as string).replace(/^"|"$/g, '');
    const [w, h] = (attributes['RESOLUTION'] ?? '0x0').split('x').map(Number);
    variants.push({
      uri: lines[i + 1] as string,
      attributes,
      bandwidth: Number(attributes['BANDWIDTH']),
      width: w ?? 0,
      height: h ?? 0,
      codecs: attributes['CODECS'] ?? '',
      frameRate: attributes['FRAME-RATE'] ? Number(attributes['FRAME-RATE']) : undefined,
    });
  });
  return { lines, variants };
}

export interface MediaSegment {
  msn: number;
  uri: string;
  duration: number;
  discontinuity: boolean;
  programDateTime?: string;
}

export interface MediaPlaylistView {
  targetDuration: number;
  mediaSequence: number;
  discontinuitySequence: number;
  ended: boolean;
  independent: boolean;
  segments: MediaSegment[];
}

export function parseMedia(text: string): MediaPlaylistView {
  const lines = text.split('\n').map((l) => l.trim());
  const num = (tag: string) => Number(lines.find((l) => l.startsWith(tag))?.slice(tag.length) ?? NaN);
  const view: MediaPlaylistView = {
    targetDuration: num('#EXT-X-TARGETDURATION:'),
    mediaSequence: num('#EXT-X-MEDIA-SEQUENCE:'),
    discontinuitySequence: num('#EXT-X-DISCONTINUITY-SEQUENCE:') || 0,
    ended: lines.includes('#EXT-X-ENDLIST'),
    independent: lines.includes('#EXT-X-INDEPENDENT-SEGMENTS'),
    segments: [],
  };
  let msn = view.mediaSequence;
  let pending: Partial<MediaSegment> = {};
  for (const line of lines) {
    if (line === '#EXT-X-DISCONTINUITY') pending.discontinuity = true;
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pending.programDateTime = line.slice('#EXT-X-PROGRAM-DATE-TIME:'.length);
    else if (line.startsWith('#EXTINF:')) pending.duration = Number(line.slice('#EXTINF:'.length).split(',')[0]);
    else if (line !== '' && !line.startsWith('#')) {
      view.segments.push({
        msn: msn++,
        uri: line,
        duration: pending.duration ?? NaN,
        discontinuity: pending.discontinuity ?? false,
        programDateTime: pending.programDateTime,
      });
      pending = {};
    }
  }
  return view;
}
