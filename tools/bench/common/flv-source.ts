import { readFileSync } from 'node:fs';
import { FlvDemuxer, decodeAmf0, type Amf0Value } from '@mediaplane/codecs';
import { classifyTag, type TagKind } from './media-tags';

export interface SourceTag {
  type: number;
  /** Timestamp within one loop of the file, ms. */
  timestamp: number;
  data: Buffer;
  kind: TagKind;
}

export interface FlvSource {
  /** The onMetaData object, to send as @setDataFrame like an encoder. */
  metadata: Amf0Value | undefined;
  /** Decoder configurations (AVC, AAC), sent once before the first frame. */
  configs: SourceTag[];
  /** Audio and video frames of one loop, in file order, all with timestamp < loopMs. */
  frames: SourceTag[];
  /** Length of one loop: video frames × frame interval, so video timestamps stay evenly spaced across the seam. */
  loopMs: number;
  fps: number;
  videoFrames: number;
  /** Media bytes per second of one loop, in kbit/s. */
  bitrateKbps: number;
}

/** Reads a whole FLV file into tags (the bench source is ~15 MB). */
export function loadFlvSource(path: string): FlvSource {
  return parseFlvSource(readFileSync(path));
}

export function parseFlvSource(bytes: Buffer): FlvSource {
  const tags = new FlvDemuxer()
    .push(bytes)
    .map((t) => ({ type: t.type, timestamp: t.timestamp, data: Buffer.from(t.data), kind: classifyTag(t.type, t.data) }));
  let metadata: Amf0Value | undefined;
  const script = tags.find((t) => t.kind === 'script');
  if (script) {
    const values = decodeAmf0(script.data);
    if (values[0] === 'onMetaData') metadata = values[1];
  }
  const configs = tags.filter((t) => t.kind === 'video-config' || t.kind === 'audio-config');
  const video = tags.filter((t) => t.kind === 'video-key' || t.kind === 'video-inter');
  if (video.length < 2) throw new Error('the source has fewer than two video frames');
  if (video[0]?.kind !== 'video-key') throw new Error('the source does not start with a keyframe');
  const first = video[0].timestamp;
  const last = (video[video.length - 1] as SourceTag).timestamp;
  const fps = Math.round(((video.length - 1) * 1000) / (last - first));
  const loopMs = Math.round((video.length * 1000) / fps);
  const frames = tags
    .filter((t) => (t.kind === 'video-key' || t.kind === 'video-inter' || t.kind === 'audio') && t.timestamp - first < loopMs)
    .map((t) => ({ ...t, timestamp: t.timestamp - first < 0 ? 0 : t.timestamp - first }));
  const bytesPerLoop = frames.reduce((sum, t) => sum + t.data.length, 0);
  return { metadata, configs, frames, loopMs, fps, videoFrames: video.length, bitrateKbps: (bytesPerLoop * 8) / loopMs };
}
