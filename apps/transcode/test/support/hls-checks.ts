import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffprobeFrames } from '@mediaplane/testing';
import { parseMedia, type MasterEntry } from '@mediaplane/testing';

export interface SegmentStart {
  rendition: string;
  msn: number;
  /** The segment's first video frame is a keyframe. */
  startsWithKeyframe: boolean;
  keyframes: number;
  frames: number;
  /** Presentation time of the first video frame (MPEG-TS clock, seconds). */
  firstPts: number;
}

/**
 * Downloads the same media sequence numbers from every rendition of a stream
 * (the newest `count` that all renditions list) and reads their video frames
 * with ffprobe: where each segment starts and whether it starts on a keyframe.
 */
export async function segmentStarts(streamUrl: string, variants: MasterEntry[], count = 2, query = ''): Promise<SegmentStart[][]> {
  const playlists = await Promise.all(variants.map(async (v) => parseMedia(await (await fetch(`${streamUrl}/${v.uri}`)).text())));
  const common = playlists.map((p) => p.segments.map((s) => s.msn)).reduce((a, b) => a.filter((x) => b.includes(x)));
  const dir = mkdtempSync(join(tmpdir(), 'mp-segments-'));
  try {
    const result: SegmentStart[][] = [];
    for (const msn of common.slice(-count)) {
      const row: SegmentStart[] = [];
      for (const [i, v] of variants.entries()) {
        const rendition = v.uri.split('/')[0] as string;
        const segment = playlists[i]?.segments.find((s) => s.msn === msn);
        const uri = (segment?.uri ?? '').split('?')[0];
        const file = join(dir, `${i}-${msn}.ts`);
        writeFileSync(file, Buffer.from(await (await fetch(`${streamUrl}/${rendition}/${uri}${query}`)).arrayBuffer()));
        const frames = await ffprobeFrames(file, ['-select_streams', 'v:0', '-show_entries', 'frame=pts_time,key_frame']);
        row.push({
          rendition,
          msn,
          startsWithKeyframe: frames[0]?.['key_frame'] === 1,
          keyframes: frames.filter((f) => f['key_frame'] === 1).length,
          frames: frames.length,
          firstPts: Number(frames[0]?.['pts_time']),
        });
      }
      result.push(row);
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
