import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MpegTsDemuxer, MpegTsToFlv, type FlvTagBody } from '@mediaplane/codecs';
import type { HubSink } from './hub-sink';
import { mpegTsHubEncoderFor } from './mpegts-hub-encoder';
import { StreamHub } from './stream-hub';

/** FFmpeg's H.264 + AAC fixture as the FLV tag bodies an SRT or RTMP publisher feeds the hub. */
function fixtureTags(): FlvTagBody[] {
  const demuxer = new MpegTsDemuxer();
  const converter = new MpegTsToFlv();
  const ts = readFileSync(join(__dirname, '../../../codecs/src/fixtures/h264-aac.mpegts'));
  return converter.pushAll([...demuxer.push(ts), ...demuxer.flush()]);
}

class Sink implements HubSink {
  readonly chunks: Buffer[] = [];
  bufferedBytes = 0;
  write(data: Buffer | readonly Buffer[]): void {
    for (const chunk of Buffer.isBuffer(data) ? [data] : data) this.chunks.push(chunk);
  }
  close(): void {}
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

describe('MpegTsHubEncoder', () => {
  const tags = fixtureTags();
  const hub = () => new StreamHub({ maxViewerQueueBytes: 1 << 24, viewerStallTimeoutMs: 5000, gopCacheMaxBytes: 1 << 24, flushIntervalMs: 0 });

  it('is one encoder per hub (its muxer has per-stream state)', () => {
    const a = hub();
    expect(mpegTsHubEncoderFor(a)).toBe(mpegTsHubEncoderFor(a));
    expect(mpegTsHubEncoderFor(a)).not.toBe(mpegTsHubEncoderFor(hub()));
  });

  it('gives every SRT viewer the same bytes, encoded once per frame, that demux back to the stream', async () => {
    const h = hub();
    const first = new Sink();
    const second = new Sink();
    const encoder = mpegTsHubEncoderFor(h);
    h.addViewer({ id: 'a', protocol: 'srt', counted: true, encoder, sink: first });
    h.addViewer({ id: 'b', protocol: 'srt', counted: true, encoder, sink: second });
    const frames = tags.map((t) => h.pushMedia(t.kind, t.timestamp, t.payload));
    await new Promise((resolve) => setImmediate(resolve));
    expect(first.bytes.equals(second.bytes)).toBe(true);
    expect(first.bytes.length % 188).toBe(0);
    // One shared buffer per frame, not one per viewer.
    const sample = frames.find((f) => f && !f.sequenceHeader);
    expect(sample?.encoded.get('mpegts')).toBeDefined();
    const units = new MpegTsDemuxer().push(first.bytes);
    expect(units.filter((u) => u.codec === 'h264').length).toBe(tags.filter((t) => t.kind === 'video' && t.payload[1] === 1).length);
    expect(units.some((u) => u.codec === 'aac')).toBe(true);
    expect(encoder.droppedFrames).toBe(0);
  });

  it('starts a viewer that joins mid-stream at the GOP cache with PAT/PMT and a keyframe it can decode', async () => {
    const h = hub();
    const early = new Sink();
    h.addViewer({ id: 'early', protocol: 'srt', counted: true, encoder: mpegTsHubEncoderFor(h), sink: early });
    const half = Math.floor(tags.length / 2);
    for (const t of tags.slice(0, half)) h.pushMedia(t.kind, t.timestamp, t.payload);
    await new Promise((resolve) => setImmediate(resolve));
    const late = new Sink();
    h.addViewer({ id: 'late', protocol: 'srt', counted: true, encoder: mpegTsHubEncoderFor(h), sink: late });
    for (const t of tags.slice(half)) h.pushMedia(t.kind, t.timestamp, t.payload);
    await new Promise((resolve) => setImmediate(resolve));
    const bytes = late.bytes;
    // PID 0 (the PAT) first.
    expect(bytes[0]).toBe(0x47);
    expect((((bytes[1] ?? 0) & 0x1f) << 8) | (bytes[2] ?? 0)).toBe(0);
    const video = new MpegTsDemuxer().push(bytes).filter((u) => u.codec === 'h264');
    expect(video[0]?.keyframe).toBe(true);
    expect(video.length).toBeGreaterThan(0);
  });
});
