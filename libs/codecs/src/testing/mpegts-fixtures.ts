import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MpegTsDemuxer } from '../mpegts-demuxer';
import { type FlvTagBody, MpegTsToFlv } from '../mpegts-to-flv';

/**
 * The MPEG-TS fixtures in ../fixtures, written once by FFmpeg 5.1 with
 * tools/scripts/codecs-mpegts-fixtures.sh (see there for the exact commands).
 * Frame counts are what `ffprobe -count_frames` reports for each file.
 */
export const MPEGTS_FIXTURES = {
  'h264-aac': { video: 'h264', audio: 'aac', videoFrames: 25, audioFrames: 48, sampleRate: 48000, channels: 2 },
  'hevc-aac': { video: 'hevc', audio: 'aac', videoFrames: 25, audioFrames: 45, sampleRate: 44100, channels: 1 },
  'h264-opus': { video: 'h264', audio: 'opus', videoFrames: 25, audioFrames: 51, sampleRate: 48000, channels: 2 },
  'h264-ac3': { video: 'h264', audio: 'ac3', videoFrames: 25, audioFrames: 32, sampleRate: 48000, channels: 6 },
  'h264-eac3': { video: 'h264', audio: 'eac3', videoFrames: 25, audioFrames: 32, sampleRate: 48000, channels: 2 },
} as const;

export type MpegTsFixtureName = keyof typeof MPEGTS_FIXTURES;

const cache = new Map<string, Buffer>();

export function readMpegTsFixture(name: MpegTsFixtureName): Buffer {
  let buf = cache.get(name);
  if (buf === undefined) {
    buf = readFileSync(join(__dirname, '..', 'fixtures', `${name}.mpegts`));
    cache.set(name, buf);
  }
  return buf;
}

/** A fixture's frames as FLV tag bodies, as the ingest's hub holds them (through the demuxer and MpegTsToFlv). */
export function mpegTsFixtureAsFlv(name: MpegTsFixtureName): FlvTagBody[] {
  const demuxer = new MpegTsDemuxer();
  return new MpegTsToFlv().pushAll([...demuxer.push(readMpegTsFixture(name)), ...demuxer.flush()]);
}

/** Splits a TS byte stream into its 188-byte packets (the fixtures are aligned). */
export function tsPackets(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i + 188 <= buf.length; i += 188) out.push(buf.subarray(i, i + 188));
  return out;
}

export function tsPid(packet: Buffer): number {
  return (((packet[1] as number) & 0x1f) << 8) | (packet[2] as number);
}
